using System.Diagnostics;

namespace BlipCaptioning.Cli.Tests;

/// <summary>
/// Runs the built blip command as its own process (dotnet blip.dll ...), for what an in-process run cannot show:
/// standard input, environment variables, signals.
/// </summary>
internal static class CliProcess
{
    /// <summary>blip.dll beside the test assembly (the test project references the CLI project).</summary>
    public static string BlipDll => Path.Combine(AppContext.BaseDirectory, "blip.dll");

    public static ProcessStartInfo StartInfo(IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(BlipDll);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }

        return start;
    }

    /// <summary>Runs blip with <paramref name="stdin"/> on its standard input (then closed) and waits for it to exit.</summary>
    public static async Task<CliResult> RunAsync(byte[] stdin, IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        using var process = Process.Start(StartInfo(environment, args))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardInput.BaseStream.WriteAsync(stdin);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new CliResult(process.ExitCode, await output, await error);
    }
}

using System.Diagnostics;
using System.Reflection;

namespace BlipFunctions.Infra.Tests;

/// <summary>
/// Runs the Bicep CLI that NuGet restored (package Azure.Bicep.CommandLine.linux-x64, its tools/bicep binary).
/// Offline: nothing here refers to a module registry, so bicep has nothing to restore.
/// </summary>
internal sealed class BicepCli
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(2);

    private BicepCli(string executable) => Executable = executable;

    public string Executable { get; }

    public static BicepCli FromRestoredPackage()
    {
        var packageDirectory = typeof(BicepCli).Assembly
            .GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(attribute => attribute.Key == "BicepPackageDirectory")?.Value;
        if (string.IsNullOrEmpty(packageDirectory))
        {
            throw new InvalidOperationException(
                "The test assembly does not know where the Bicep CLI package is: restore the test project " +
                "(its PackageReference to Azure.Bicep.CommandLine.linux-x64 sets BicepPackageDirectory).");
        }

        var executable = Path.Combine(packageDirectory, "tools", "bicep");
        if (!File.Exists(executable))
        {
            throw new FileNotFoundException(
                $"The Bicep CLI is missing from {packageDirectory}: run `dotnet restore` for the infra tests.", executable);
        }

        EnsureExecutable(executable);
        return new BicepCli(executable);
    }

    /// <summary>Runs bicep with <paramref name="arguments"/> in <paramref name="workingDirectory"/>.</summary>
    public async Task<BicepRun> RunAsync(string workingDirectory, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(Executable)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // bicep is a single-file .NET app that unpacks itself under $HOME/.net unless told otherwise: give it a
        // folder that is writable even where HOME is not (CI), and keep it quiet and offline.
        startInfo.Environment["DOTNET_BUNDLE_EXTRACT_BASE_DIR"] = Path.Combine(Path.GetTempPath(), "blipfunctions-bicep");
        startInfo.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        startInfo.Environment["BICEP_TRACING_ENABLED"] = "false";

        using var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"Could not start {Executable}.");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_timeout);

        var standardOutput = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var standardError = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new BicepRun(process.ExitCode, await standardOutput, await standardError);
    }

    private static void EnsureExecutable(string path)
    {
        // NuGet does not promise to keep the execute bit when it unpacks a package.
        var mode = File.GetUnixFileMode(path);
        const UnixFileMode execute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        if ((mode & UnixFileMode.UserExecute) == 0)
        {
            File.SetUnixFileMode(path, mode | execute);
        }
    }
}

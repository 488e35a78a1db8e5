namespace BlipCaptioning.Cli.Tests;

/// <summary>Runs the blip command line in-process (as Program.cs does) with stdout and stderr captured.</summary>
internal static class CliRunner
{
    private static readonly SemaphoreSlim ConsoleGate = new(1, 1);

    public static async Task<CliResult> RunAsync(params string[] args)
    {
        // The commands write to Console.Out/Console.Error; swap them for the duration of one invocation.
        await ConsoleGate.WaitAsync();
        var (savedOut, savedError) = (Console.Out, Console.Error);
        using var output = new StringWriter();
        using var error = new StringWriter();
        try
        {
            Console.SetOut(output);
            Console.SetError(error);
            int exitCode = await BlipCli.InvokeAsync(args, output, error);
            return new CliResult(exitCode, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(savedOut);
            Console.SetError(savedError);
            ConsoleGate.Release();
        }
    }
}

using System.Diagnostics;
using BlipCaptioning.Testing;

namespace BlipFunctions.Infra.Tests;

/// <summary>
/// Runs one of the deploy scripts under /bin/sh with a PATH that holds only the few tools named, so the tests see
/// what a user without the Azure CLI (or without a built model) sees, whatever this machine has installed.
/// </summary>
internal sealed class ShellScript(string relativePath)
{
    private static readonly string[] s_toolFolders = ["/usr/bin", "/bin"];

    public string Path { get; } = RepositoryPaths.InRoot(relativePath.Split('/'));

    public string Text => File.ReadAllText(Path);

    public async Task<(int ExitCode, string StandardOutput, string StandardError)> RunAsync(
        IReadOnlyList<string> arguments, IReadOnlyList<string> toolsOnPath, CancellationToken cancellationToken)
    {
        var bin = Directory.CreateTempSubdirectory("blipfunctions-infra-path-");
        try
        {
            foreach (var tool in toolsOnPath)
            {
                var target = s_toolFolders.Select(folder => System.IO.Path.Combine(folder, tool)).First(File.Exists);
                File.CreateSymbolicLink(System.IO.Path.Combine(bin.FullName, tool), target);
            }

            var startInfo = new ProcessStartInfo("/bin/sh")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = RepositoryPaths.Root,
            };
            startInfo.ArgumentList.Add(Path);
            foreach (var argument in arguments)
            {
                startInfo.ArgumentList.Add(argument);
            }

            startInfo.Environment.Clear();
            startInfo.Environment["PATH"] = bin.FullName;
            startInfo.Environment["HOME"] = bin.FullName;

            using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("Could not start /bin/sh.");
            var standardOutput = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var standardError = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            return (process.ExitCode, await standardOutput, await standardError);
        }
        finally
        {
            bin.Delete(recursive: true);
        }
    }
}

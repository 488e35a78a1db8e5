using System.Text.Json.Nodes;
using BlipCaptioning.Testing;

namespace BlipFunctions.Infra.Tests;

/// <summary>
/// Builds and lints every Bicep file under infra/ once per test run with the Bicep CLI from NuGet, and holds
/// the compiled ARM templates for the tests to read.
/// </summary>
public sealed class CompiledInfrastructure : IAsyncLifetime
{
    private const string Pattern = "infra/**/*.bicep";

    private readonly string _outputDirectory =
        Path.Combine(Path.GetTempPath(), "blipfunctions-infra-tests", Guid.NewGuid().ToString("N"));

    private Dictionary<string, JsonObject> _templates = [];

    /// <summary>Every .bicep file under infra/, as paths relative to infra/ with forward slashes.</summary>
    public IReadOnlyList<string> BicepFiles { get; private set; } = [];

    internal BicepRun Build { get; private set; } = new(-1, "", "");

    internal BicepRun Lint { get; private set; } = new(-1, "", "");

    /// <summary>Paths (relative to infra/) of the compiled templates that `bicep build` wrote.</summary>
    public IReadOnlyCollection<string> CompiledFiles => _templates.Keys;

    public async Task InitializeAsync()
    {
        BicepFiles = Directory.EnumerateFiles(RepositoryPaths.Infra, "*.bicep", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(RepositoryPaths.Infra, path).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();

        var bicep = BicepCli.FromRestoredPackage();
        Directory.CreateDirectory(_outputDirectory);
        var build = bicep.RunAsync(RepositoryPaths.Root, ["build", "--pattern", Pattern, "--outdir", _outputDirectory], CancellationToken.None);
        var lint = bicep.RunAsync(RepositoryPaths.Root, ["lint", "--pattern", Pattern], CancellationToken.None);
        Build = await build;
        Lint = await lint;

        _templates = Directory.EnumerateFiles(_outputDirectory, "*.json", SearchOption.AllDirectories)
            .ToDictionary(
                path => Path.ChangeExtension(Path.GetRelativePath(_outputDirectory, path), ".bicep").Replace('\\', '/'),
                path => JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                    ?? throw new InvalidOperationException($"{path} is not a JSON object."),
                StringComparer.Ordinal);
    }

    public Task DisposeAsync()
    {
        if (Directory.Exists(_outputDirectory))
        {
            Directory.Delete(_outputDirectory, recursive: true);
        }

        return Task.CompletedTask;
    }

    /// <summary>The compiled template of <paramref name="bicepFile"/> (relative to infra/, e.g. "main.bicep").</summary>
    internal ArmScope Template(string bicepFile) =>
        _templates.TryGetValue(bicepFile, out var template)
            ? ArmScope.ForFile(bicepFile, template)
            : throw new InvalidOperationException($"bicep build wrote no template for {bicepFile}.\n{Build.Transcript}");

    /// <summary>The compiled text of <paramref name="bicepFile"/>, for searches over the whole template.</summary>
    public string TemplateText(string bicepFile) => Template(bicepFile).Template.ToJsonString();
}

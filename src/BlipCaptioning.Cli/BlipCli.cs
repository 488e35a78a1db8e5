using System.CommandLine;
using BlipCaptioning.Cli.Commands;

namespace BlipCaptioning.Cli;

/// <summary>Builds the <c>blip</c> command tree; Program.cs runs it, tests invoke it in-process.</summary>
internal static class BlipCli
{
    public static RootCommand CreateRootCommand()
    {
        var root = new RootCommand("blip: BLIP image captioning on ONNX Runtime. Build a model, then caption images.");
        var model = new Command("model", "Get a BLIP model: fetch it from the Hugging Face hub, build it from a checkpoint folder, or make one with random weights.");
        root.Subcommands.Add(model);
        model.Subcommands.Add(ModelFetchCommand.Create());
        model.Subcommands.Add(ModelBuildCommand.Create());
        model.Subcommands.Add(ModelRandomCommand.Create());
        // Commands register themselves here, one line each.
        root.Subcommands.Add(CaptionCommand.Create());
        root.Subcommands.Add(PreprocessCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        return root;
    }
}

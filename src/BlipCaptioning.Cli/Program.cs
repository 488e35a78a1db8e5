using System.CommandLine;
using BlipCaptioning.Cli.Commands;

var root = new RootCommand("blip: BLIP image captioning on ONNX Runtime. Build a model, then caption images.");
var model = new Command("model", "Get a BLIP model: fetch it from the Hugging Face hub, build it from a checkpoint folder, or make one with random weights.");
root.Subcommands.Add(model);
// Commands register themselves here, one line each.
model.Subcommands.Add(ModelFetchCommand.Create());

return await root.Parse(args).InvokeAsync();

using BlipFunctions.Configuration;

namespace BlipFunctions.Tests.Configuration;

public sealed class ModelDirectoryAdviceTests : IDisposable
{
    // A repository-like tree: <root>/models/ (with or without a model) and the worker's output folder below src/.
    private readonly string _root = Directory.CreateTempSubdirectory("model-advice-").FullName;

    private string Output => Directory.CreateDirectory(Path.Combine(_root, "src", "App", "bin", "output")).FullName;

    [Fact]
    public void Explain_RelativePathWrittenFromTheProjectFolder_SaysWhereItResolvesAndTheAbsolutePathThatHoldsTheModel()
    {
        string model = Directory.CreateDirectory(Path.Combine(_root, "models", "blip")).FullName;
        File.WriteAllText(Path.Combine(model, "blip-model.json"), "{}");

        string message = ModelDirectoryAdvice.Explain("../../models/blip", Output);

        Assert.Contains("Captioning__ModelDirectory '../../models/blip' is relative", message, StringComparison.Ordinal);
        Assert.Contains($"working directory '{Output}'", message, StringComparison.Ordinal);
        Assert.Contains($"to '{Path.Combine(_root, "src", "App", "models", "blip")}'", message, StringComparison.Ordinal);
        Assert.Contains($"e.g. '{model}' (it holds a model)", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_SamplePlaceholder_NamesTheAbsolutePathWhereTheModelsFolderIs()
    {
        Directory.CreateDirectory(Path.Combine(_root, "models"));

        string message = ModelDirectoryAdvice.Explain(ModelDirectoryAdvice.Placeholder + "/models/blip-image-captioning-base", Output);

        Assert.Contains("the placeholder of local.settings.sample.json", message, StringComparison.Ordinal);
        string expected = Path.Combine(_root, "models", "blip-image-captioning-base");
        Assert.Contains($"e.g. '{expected}' (build the model there with `blip model fetch --out {expected}`)", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_AbsolutePathWithoutAModel_SaysHowToBuildOneThere()
    {
        string missing = Path.Combine(_root, "nothing");

        string message = ModelDirectoryAdvice.Explain(missing, Output);

        Assert.StartsWith($"Captioning__ModelDirectory '{missing}' holds no blip-model.json", message, StringComparison.Ordinal);
        Assert.Contains($"blip model fetch --out {missing}", message, StringComparison.Ordinal);
        Assert.Contains("Captioning__ModelBlobUri", message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}

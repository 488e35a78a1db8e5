using BlipCaptioning.Conversion.Checkpoints;
using BlipCaptioning.Model;
using BlipCaptioning.Testing;

namespace BlipCaptioning.Conversion.Tests.Checkpoints;

public sealed class DefaultHubFilesTests
{
    [Fact]
    public void PreprocessorConfig_BlipImageProcessorDefaults_IsTheHubsFile()
    {
        // The tiny-a fixture holds the hub's preprocessor_config.json (287 bytes on the hub) without its final newline.
        string hub = File.ReadAllText(Path.Combine(RepositoryPaths.TinyACheckpoint, "preprocessor_config.json")) + "\n";

        string written = DefaultHubFiles.PreprocessorConfig(new PreprocessingSettings(384, BlipConfigReader.DefaultImageMean, BlipConfigReader.DefaultImageStd));

        Assert.Equal(hub, written);
        Assert.Equal(287, written.Length);
    }

    [Fact]
    public void PreprocessorConfig_OtherSettings_ReadsBackAsTheSameSettings()
    {
        var settings = new PreprocessingSettings(224, [0.5f, 0.4f, 0.3f], [0.2f, 0.25f, 0.3f], 1.0 / 127.5);

        var read = BlipConfigReader.ReadPreprocessing(DefaultHubFiles.PreprocessorConfig(settings));

        Assert.Equal(224, read.ImageSize);
        Assert.Equal(settings.Mean, read.Mean);
        Assert.Equal(settings.Std, read.Std);
        Assert.Equal(settings.RescaleFactor, read.RescaleFactor);
    }

    [Fact]
    public void WriteVocabulary_WritesTheBertBaseUncasedVocabularyOfTheFixtures()
    {
        using var directory = new TemporaryFolder();

        DefaultHubFiles.WriteVocabulary(directory.Combine("vocab.txt"));

        Assert.Equal(File.ReadAllBytes(Path.Combine(RepositoryPaths.Fixtures, "vocab", "bert-base-uncased-vocab.txt")), File.ReadAllBytes(directory.Combine("vocab.txt")));
    }
}

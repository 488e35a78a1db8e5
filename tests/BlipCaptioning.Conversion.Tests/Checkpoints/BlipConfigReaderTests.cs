using System.Text.Json.Nodes;
using BlipCaptioning.Conversion.Checkpoints;
using BlipCaptioning.Model;
using BlipCaptioning.Testing;
using static BlipCaptioning.Testing.HostileModelFolders;

namespace BlipCaptioning.Conversion.Tests.Checkpoints;

public sealed class BlipConfigReaderTests
{
    [Fact]
    public void ReadDirectory_TinyA_ReadsEverySizeFromTheFile()
    {
        var config = BlipConfigReader.ReadDirectory(RepositoryPaths.TinyACheckpoint);

        Assert.Equal(new VisionDimensions(384, 16, 48, 2, 4, 100, 1e-5), config.Architecture.Vision);
        Assert.Equal(new TextDimensions(32, 2, 4, 72, 30524, 512, 48, 1e-12), config.Architecture.Text);
        Assert.Equal(new SpecialTokenIds(30522, 102, 0), config.Architecture.Tokens);
        Assert.False(config.TieWordEmbeddings);
        Assert.Equal(new GenerationDefaults(), config.Generation);
        Assert.Equal(384, config.Preprocessing.ImageSize);
        Assert.Equal([0.48145466f, 0.4578275f, 0.40821073f], config.Preprocessing.Mean);
        Assert.Equal([0.26862954f, 0.26130258f, 0.27577711f], config.Preprocessing.Std);
        Assert.Equal(1.0 / 255.0, config.Preprocessing.RescaleFactor);
    }

    [Fact]
    public void ReadArchitecture_HubBaseConfig_Uses12TextHeadsAndDefaultEncoderWidth768()
    {
        var architecture = BlipConfigReader.ReadArchitecture(HubConfigs.BaseConfig);

        Assert.Equal(new VisionDimensions(384, 16, 768, 12, 12, 3072, 1e-5), architecture.Vision);
        Assert.Equal(new TextDimensions(768, 12, 12, 3072, 30524, 512, 768, 1e-12), architecture.Text);
        Assert.Equal(64, architecture.Text.HeadDim);
        Assert.Equal(577, architecture.Vision.Tokens);
    }

    [Fact]
    public void ReadArchitecture_HubBaseConfig_SeparatorIsSepTokenNotEos()
    {
        var tokens = BlipConfigReader.ReadArchitecture(HubConfigs.BaseConfig).Tokens;

        Assert.Equal(new SpecialTokenIds(DecoderStart: 30522, Separator: 102, Pad: 0), tokens);
    }

    [Fact]
    public void ReadTieWordEmbeddings_HubBaseConfig_IsTrue()
    {
        Assert.True(BlipConfigReader.ReadTieWordEmbeddings(HubConfigs.BaseConfig));
    }

    [Fact]
    public void ReadGenerationDefaults_NoGenerationConfig_TakesTextConfigValues()
    {
        var json = HubConfigs.BaseConfig.Replace("\"max_length\": 20", "\"max_length\": 30", StringComparison.Ordinal)
            .Replace("\"num_beams\": 1", "\"num_beams\": 3", StringComparison.Ordinal);

        var defaults = BlipConfigReader.ReadGenerationDefaults(json, generationConfigJson: null);

        Assert.Equal(new GenerationDefaults(MaxLength: 30, NumBeams: 3), defaults);
    }

    [Fact]
    public void ReadGenerationDefaults_GenerationConfigPresent_OverridesTextConfigFieldByField()
    {
        const string generation = """{"bos_token_id": 30522, "max_length": 40, "min_length": 5, "num_beams": 3, "early_stopping": true, "repetition_penalty": 1.5, "no_repeat_ngram_size": 3, "length_penalty": 0.5}""";

        var defaults = BlipConfigReader.ReadGenerationDefaults(HubConfigs.BaseConfig, generation);

        Assert.Equal(new GenerationDefaults(40, 5, 3, 0.5, true, 1.5, 3), defaults);
    }

    [Fact]
    public void ReadGenerationDefaults_EarlyStoppingNever_IsFalse()
    {
        var defaults = BlipConfigReader.ReadGenerationDefaults(HubConfigs.BaseConfig, """{"early_stopping": "never"}""");

        Assert.False(defaults.EarlyStopping);
    }

    [Fact]
    public void ReadGenerationDefaults_MinLengthAboveMaxLength_NamesTheFileAndField()
    {
        var error = Assert.Throws<CheckpointFormatException>(() =>
            BlipConfigReader.ReadGenerationDefaults(HubConfigs.BaseConfig, """{"min_length": 50}"""));

        Assert.Contains("generation_config.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("'min_length'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadPreprocessing_HubFile_GivesSquare384AndClipStatistics()
    {
        var settings = BlipConfigReader.ReadPreprocessing(HubConfigs.BasePreprocessor);

        Assert.Equal(384, settings.ImageSize);
        Assert.Equal(BlipConfigReader.DefaultImageMean, settings.Mean);
        Assert.Equal(BlipConfigReader.DefaultImageStd, settings.Std);
        Assert.Equal(1.0 / 255.0, settings.RescaleFactor);
    }

    [Fact]
    public void ReadPreprocessing_Absent_UsesBlipImageProcessorDefaults()
    {
        var settings = BlipConfigReader.ReadPreprocessing(null);

        Assert.Equal(384, settings.ImageSize);
        Assert.Equal(BlipConfigReader.DefaultImageMean, settings.Mean);
    }

    [Fact]
    public void ReadPreprocessing_HeightWidthSize_IsRead()
    {
        var settings = BlipConfigReader.ReadPreprocessing("""{"size": {"height": 224, "width": 224}, "rescale_factor": 0.5}""");

        Assert.Equal(224, settings.ImageSize);
        Assert.Equal(0.5, settings.RescaleFactor);
    }

    [Fact]
    public void ReadPreprocessing_NotSquare_Throws()
    {
        var error = Assert.Throws<CheckpointFormatException>(() =>
            BlipConfigReader.ReadPreprocessing("""{"size": {"height": 384, "width": 320}}"""));

        Assert.Contains("preprocessor_config.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("square", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadPreprocessing_ShortestEdgeSize_Throws()
    {
        var error = Assert.Throws<CheckpointFormatException>(() =>
            BlipConfigReader.ReadPreprocessing("""{"size": {"shortest_edge": 384}}"""));

        Assert.Contains("'size'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadArchitecture_HiddenNotDivisibleByHeads_NamesTheField()
    {
        var json = HubConfigs.BaseConfig.Replace("\"num_attention_heads\": 12,\n    \"num_beams\"", "\"num_attention_heads\": 7,\n    \"num_beams\"", StringComparison.Ordinal);
        Assert.Contains("\"num_attention_heads\": 7", json, StringComparison.Ordinal);

        var error = Assert.Throws<CheckpointFormatException>(() => BlipConfigReader.ReadArchitecture(json));

        Assert.Contains("config.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("'text_config.num_attention_heads'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadArchitecture_NotBlip_Throws()
    {
        var json = HubConfigs.BaseConfig.Replace("\"model_type\": \"blip\"", "\"model_type\": \"bert\"", StringComparison.Ordinal);

        var error = Assert.Throws<CheckpointFormatException>(() => BlipConfigReader.ReadArchitecture(json));

        Assert.Contains("'model_type'", error.Message, StringComparison.Ordinal);
        Assert.Contains("bert", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadArchitecture_QuestionAnsweringModel_Throws()
    {
        var json = HubConfigs.BaseConfig.Replace("\"BlipForConditionalGeneration\"", "\"BlipForQuestionAnswering\"", StringComparison.Ordinal);

        var error = Assert.Throws<CheckpointFormatException>(() => BlipConfigReader.ReadArchitecture(json));

        Assert.Contains("BlipForQuestionAnswering", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadArchitecture_MissingTextLayers_NamesTheFieldInsteadOfUsingADefault()
    {
        var json = HubConfigs.BaseConfig.Replace("\"num_hidden_layers\": 12,\n    \"pad_token_id\"", "\"pad_token_id\"", StringComparison.Ordinal);

        var error = Assert.Throws<CheckpointFormatException>(() => BlipConfigReader.ReadArchitecture(json, "my/config.json"));

        Assert.Contains("my/config.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("'text_config.num_hidden_layers' is missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadArchitecture_MissingVisionConfig_Throws()
    {
        var error = Assert.Throws<CheckpointFormatException>(() =>
            BlipConfigReader.ReadArchitecture("""{"model_type": "blip", "text_config": {}}"""));

        Assert.Contains("'vision_config' is missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadArchitecture_EncoderWidthAbsentAndVisionNot768_AsksForEncoderHiddenSize()
    {
        var json = File.ReadAllText(Path.Combine(RepositoryPaths.TinyACheckpoint, "config.json"))
            .Replace("\"encoder_hidden_size\": 48,", "", StringComparison.Ordinal);

        var error = Assert.Throws<CheckpointFormatException>(() => BlipConfigReader.ReadArchitecture(json));

        Assert.Contains("encoder_hidden_size", error.Message, StringComparison.Ordinal);
        Assert.Contains("768", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadArchitecture_WrongTypedField_NamesIt()
    {
        var json = HubConfigs.BaseConfig.Replace("\"patch_size\": 16", "\"patch_size\": \"16\"", StringComparison.Ordinal);

        var error = Assert.Throws<CheckpointFormatException>(() => BlipConfigReader.ReadArchitecture(json));

        Assert.Contains("'vision_config.patch_size' must be an integer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadArchitecture_InvalidJson_SaysSo()
    {
        var error = Assert.Throws<CheckpointFormatException>(() => BlipConfigReader.ReadArchitecture("{ not json"));

        Assert.Contains("config.json is not valid JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadDirectory_NoConfig_SaysWhichFileIsMissing()
    {
        using var directory = new TemporaryFolder();

        var error = Assert.Throws<CheckpointFormatException>(() => BlipConfigReader.ReadDirectory(directory.Path));

        Assert.Contains("config.json does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadDirectory_PreprocessorSizeDiffersFromVisionImageSize_NamesBothFiles()
    {
        using var directory = new TemporaryFolder();
        File.Copy(Path.Combine(RepositoryPaths.TinyACheckpoint, "config.json"), directory.Combine("config.json"));
        File.WriteAllText(directory.Combine("preprocessor_config.json"), """{"size": 224}""");

        var error = Assert.Throws<CheckpointFormatException>(() => BlipConfigReader.ReadDirectory(directory.Path));

        Assert.Contains("preprocessor_config.json: field 'size' is 224", error.Message, StringComparison.Ordinal);
        Assert.Contains("vision_config.image_size 384", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadDirectory_GenerationConfigBeside_OverridesTheTextConfig()
    {
        using var directory = new TemporaryFolder();
        File.Copy(Path.Combine(RepositoryPaths.TinyACheckpoint, "config.json"), directory.Combine("config.json"));
        File.WriteAllText(directory.Combine("generation_config.json"), """{"bos_token_id": 30522, "eos_token_id": 2, "pad_token_id": 0, "num_beams": 3, "max_length": 30}""");

        var config = BlipConfigReader.ReadDirectory(directory.Path);

        Assert.Equal(new GenerationDefaults(MaxLength: 30, NumBeams: 3), config.Generation);
        Assert.Equal(384, config.Preprocessing.ImageSize);
    }

    [Fact]
    public void ReadDirectory_Transformers5ProcessorConfigOnly_ReadsItsNestedImageProcessor()
    {
        using var directory = new TemporaryFolder();
        File.Copy(Path.Combine(RepositoryPaths.TinyACheckpoint, "config.json"), directory.Combine("config.json"));
        File.WriteAllText(directory.Combine("processor_config.json"),
            """{"image_processor": {"image_processor_type": "BlipImageProcessor", "image_mean": [0.5, 0.5, 0.5], "image_std": [0.25, 0.25, 0.25], "size": {"height": 384, "width": 384}}, "processor_class": "BlipProcessor"}""");

        var config = BlipConfigReader.ReadDirectory(directory.Path);

        Assert.Equal([0.5f, 0.5f, 0.5f], config.Preprocessing.Mean);
        Assert.Equal([0.25f, 0.25f, 0.25f], config.Preprocessing.Std);
    }

    [Fact]
    public void ReadDirectory_ProcessorConfigSizeDiffers_NamesTheNestedObject()
    {
        using var directory = new TemporaryFolder();
        File.Copy(Path.Combine(RepositoryPaths.TinyACheckpoint, "config.json"), directory.Combine("config.json"));
        File.WriteAllText(directory.Combine("processor_config.json"), """{"image_processor": {"size": {"height": 224, "width": 224}}}""");

        var error = Assert.Throws<CheckpointFormatException>(() => BlipConfigReader.ReadDirectory(directory.Path));

        Assert.Contains("processor_config.json (image_processor): field 'size' is 224", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadDirectory_BothProcessorFiles_PreprocessorConfigWins()
    {
        using var directory = new TemporaryFolder();
        File.Copy(Path.Combine(RepositoryPaths.TinyACheckpoint, "config.json"), directory.Combine("config.json"));
        File.WriteAllText(directory.Combine("preprocessor_config.json"), """{"image_mean": [0.1, 0.2, 0.3]}""");
        File.WriteAllText(directory.Combine("processor_config.json"), """{"image_processor": {"image_mean": [0.5, 0.5, 0.5]}}""");

        var config = BlipConfigReader.ReadDirectory(directory.Path);

        Assert.Equal([0.1f, 0.2f, 0.3f], config.Preprocessing.Mean);
    }

    [Theory]
    [InlineData("text_config", "num_hidden_layers", 1_000_000, "field 'text_config.num_hidden_layers' is 1000000, more than the 128")]
    [InlineData("vision_config", "num_hidden_layers", 100_000_000, "field 'vision_config.num_hidden_layers' is 100000000, more than the 128")]
    [InlineData("text_config", "hidden_size", 1_000_000, "field 'text_config.hidden_size' is 1000000, more than the 8192")]
    [InlineData("vision_config", "intermediate_size", 1_000_000, "field 'vision_config.intermediate_size' is 1000000, more than the 32768")]
    [InlineData("text_config", "num_attention_heads", 768, "field 'text_config.num_attention_heads' is 768, more than the 256")]
    [InlineData("text_config", "vocab_size", 100_000_000, "field 'text_config.vocab_size' is 100000000, more than the 1048576")]
    [InlineData("text_config", "max_position_embeddings", 1_000_000, "field 'text_config.max_position_embeddings' is 1000000, more than the 8192")]
    [InlineData("vision_config", "image_size", 1_000_000, "field 'vision_config.image_size' is 1000000, more than the 1024")]
    [InlineData("vision_config", "patch_size", 2, "field 'vision_config.patch_size' (2) cuts 384x384 images into 36864 patches; at most 4096")]
    public void ReadArchitecture_SizeBeyondTheLimits_NamesTheFieldAndTheLimit(string section, string field, int value, string expected)
    {
        var config = JsonNode.Parse(HubConfigs.BaseConfig)!;
        config[section]![field] = value;

        var error = Assert.Throws<CheckpointFormatException>(() => BlipConfigReader.ReadArchitecture(config.ToJsonString()));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadArchitecture_EverySizeWithinItsLimitButTooManyParameters_IsRefused()
    {
        var config = JsonNode.Parse(HubConfigs.BaseConfig)!;
        config["text_config"]!["hidden_size"] = 4096;
        config["text_config"]!["intermediate_size"] = 16384;
        config["text_config"]!["num_hidden_layers"] = 64;
        config["text_config"]!["num_attention_heads"] = 32;

        var error = Assert.Throws<CheckpointFormatException>(() => BlipConfigReader.ReadArchitecture(config.ToJsonString()));

        Assert.Contains("parameters, more than the 1,073,741,824 this converter builds", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"max_length": 1000000000}""", "field 'max_length' is 1000000000; it counts [DEC], the prompt and the caption, so it must be between 2 and max_position_embeddings (512)")]
    [InlineData("""{"max_length": 1}""", "field 'max_length' is 1;")]
    [InlineData("""{"num_beams": 1000000}""", "field 'num_beams' is 1000000; it must be between 1 (greedy) and 16")]
    [InlineData("""{"no_repeat_ngram_size": 1000000}""", "field 'no_repeat_ngram_size' must be between 0 and max_position_embeddings (512)")]
    public void ReadGenerationDefaults_DefaultTheRuntimeCannotRun_IsRefusedNamingTheFileAndField(string generation, string expected)
    {
        var error = Assert.Throws<CheckpointFormatException>(() => BlipConfigReader.ReadGenerationDefaults(HubConfigs.BaseConfig, generation));

        Assert.Contains("generation_config.json: " + expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadDirectory_ConfigIsASymlinkToDevZero_IsRefusedNotReadUntilMemoryRunsOut()
    {
        using var directory = new TemporaryFolder();
        File.CreateSymbolicLink(directory.Combine("config.json"), "/dev/zero");

        var error = Assert.Throws<CheckpointFormatException>(() => BlipConfigReader.ReadDirectory(directory.Path));

        Assert.Contains("config.json is a character device, not a regular file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadDirectory_GenerationConfigIsAFifo_IsRefusedNotWaitedOn()
    {
        using var directory = new TemporaryFolder();
        File.Copy(Path.Combine(RepositoryPaths.TinyACheckpoint, "config.json"), directory.Combine("config.json"));
        MakeFifo(directory.Combine("generation_config.json"));

        var error = Assert.Throws<CheckpointFormatException>(() => BlipConfigReader.ReadDirectory(directory.Path));

        Assert.Contains("generation_config.json is a FIFO (named pipe), not a regular file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadDirectory_ConfigLargerThanItsBudget_IsRefused()
    {
        using var directory = new TemporaryFolder();
        File.WriteAllText(directory.Combine("config.json"), HubConfigs.BaseConfig + new string(' ', 1 << 20));

        var error = Assert.Throws<CheckpointFormatException>(() => BlipConfigReader.ReadDirectory(directory.Path));

        Assert.Contains("more than the 1,048,576 bytes allowed for it", error.Message, StringComparison.Ordinal);
    }
}

using BlipCaptioning.Cli.Benchmarking;
using BlipCaptioning.Model;

namespace BlipCaptioning.Cli.Tests;

/// <summary>MAC counts against figures worked out by hand from the graphs' matrix products.</summary>
public sealed class ModelCostTests
{
    // A model small enough to count by hand: a 32x32 image in 16x16 patches (4 patches + class token = 5 tokens),
    // vision width 8, MLP 16, one layer; text width 4 (2 heads), MLP 8, one layer, 10-word vocabulary.
    private static readonly ModelCost s_small = new(
        new VisionDimensions(ImageSize: 32, PatchSize: 16, HiddenSize: 8, Layers: 1, Heads: 2, IntermediateSize: 16, LayerNormEps: 1e-5),
        new TextDimensions(HiddenSize: 4, Layers: 1, Heads: 2, IntermediateSize: 8, VocabSize: 10, MaxPositions: 32, EncoderHiddenSize: 8, LayerNormEps: 1e-12));

    // BLIP base (config.json of Salesforce/blip-image-captioning-base).
    private static readonly ModelCost s_base = new(
        new VisionDimensions(384, 16, 768, 12, 12, 3072, 1e-5),
        new TextDimensions(768, 12, 12, 3072, 30524, 512, 768, 1e-12));

    [Fact]
    public void VisionMacs_SmallModel_PatchConvPlusOneLayer()
    {
        // Patch conv: 4 patches x 8 outputs x (3 x 16 x 16 = 768) inputs = 24,576.
        // Layer: 5 tokens x (qkv 3·8·8 + proj 8·8 + fc1/fc2 2·8·16 = 512) = 2,560, plus q·kᵀ and softmax·v 2·5·5·8 = 400.
        Assert.Equal(24_576 + 2_560 + 400, s_small.VisionMacs);
    }

    [Fact]
    public void CrossKvMacs_SmallModel_KeyAndValueProjectionsOfEveryImageToken()
    {
        // 1 layer x (key + value) x 5 tokens x 8 in x 4 out.
        Assert.Equal(320, s_small.CrossKvMacs);
    }

    [Theory]
    // Layer: seq x (self q,k,v,o 4·4·4 + cross q,o 2·4·4 + fc1/fc2 2·4·8 = 160) + self scores 2·seq·(past+seq)·4
    // + cross scores 2·seq·5·4; head on the last position: transform 4·4 + vocabulary 4·10 = 56.
    [InlineData(0, 1, 160 + 8 + 40 + 56)]
    [InlineData(2, 1, 160 + 24 + 40 + 56)]
    [InlineData(0, 3, 480 + 72 + 120 + 56)]
    public void DecoderStepMacs_SmallModel_MatchesTheHandCount(int past, int sequence, long expected)
    {
        Assert.Equal(expected, s_small.DecoderStepMacs(past, sequence));
    }

    [Fact]
    public void CaptionMacs_SmallModelThreeTokens_VisionCrossOnceAndThreeCachedSteps()
    {
        // Steps with [DEC] only: past 0, 1, 2 → 264 + 272 + 280.
        Assert.Equal(27_536 + 320 + 264 + 272 + 280, s_small.CaptionMacs(steps: 3));
    }

    [Fact]
    public void NaiveCaptionMacs_SmallModelThreeTokens_RecomputesCrossAndTheWholeSequence()
    {
        // Every step: cross K/V again (320) and the decoder over 1, 2, 3 tokens from an empty cache.
        Assert.Equal(27_536 + (3 * 320) + s_small.DecoderStepMacs(0, 1) + s_small.DecoderStepMacs(0, 2) + s_small.DecoderStepMacs(0, 3), s_small.NaiveCaptionMacs(steps: 3));
    }

    [Fact]
    public void BlipBase_MatchesThePublishedOrderOfMagnitude()
    {
        // BLIP base's figures (docs/performance.md): vision ~55.5 GMAC over 577 tokens, cross K/V ~8.2 GMAC,
        // ~134 MMAC per token, ~66 GMAC for a greedy caption of 19 tokens.
        Assert.Equal(577, s_base.ImageTokens);
        Assert.Equal(55_483_582_464, s_base.VisionMacs);
        Assert.Equal(8_167_882_752, s_base.CrossKvMacs);
        Assert.Equal(133_776_384, s_base.TokenMacs(0));
        Assert.Equal(66_196_368_384, s_base.CaptionMacs(steps: 19));
    }

    [Fact]
    public void DecoderStepBytes_SmallModel_WeightsInTheirPrecisionPlusFloat32CrossKeysAndValues()
    {
        // Weights: one layer of 6·4² + 2·4·8 = 160, LM head 4² + 4·10 = 56: 216. Cross K/V: 1 layer × 2 × 5 tokens × 4 × 4 bytes = 160.
        Assert.Equal(216, s_small.DecoderStepWeights);
        Assert.Equal((216 * 4) + 160, s_small.DecoderStepBytes("fp32"));
        Assert.Equal(216 + (216 * 4 / 128) + 160, s_small.DecoderStepBytes("int8"));
    }

    [Fact]
    public void DecoderStepBytes_BlipBase_HalfAGigabyteInFp32()
    {
        // 123.1 M weights (99.1 M in the 12 layers, 24.0 M in the LM head) and 42.5 MB of cross K/V.
        Assert.Equal(123_122_688, s_base.DecoderStepWeights);
        Assert.Equal(535_031_808, s_base.DecoderStepBytes("fp32"));
        Assert.Equal(169_511_328, s_base.DecoderStepBytes("int8"));
    }

    [Fact]
    public void DecoderStepMacs_NoNewTokens_IsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => s_small.DecoderStepMacs(0, 0));
    }
}

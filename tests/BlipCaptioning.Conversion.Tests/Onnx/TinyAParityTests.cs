using BlipCaptioning.Inference;
using Xunit.Abstractions;

namespace BlipCaptioning.Conversion.Tests.Onnx;

/// <summary>
/// The graphs built from tests/fixtures/transformers-tiny-a reproduce transformers' own outputs for that checkpoint.
/// </summary>
public sealed class TinyAParityTests(TinyAFixture fixture, ITestOutputHelper output) : IClassFixture<TinyAFixture>
{
    private const double EmbedsTolerance = 1e-4;
    private const double LogitsTolerance = 1e-3;

    [Fact]
    public void PixelValues_RebuiltFromPilResize_MatchTheReferenceSha256()
    {
        foreach (var image in fixture.PixelSha256.Keys)
        {
            Assert.Equal(fixture.PixelSha256[image], TinyAFixture.Sha256OfFloats(fixture.PixelValues(image).AsFloats()));
        }
    }

    [Theory]
    [MemberData(nameof(TinyAFixture.Images), MemberType = typeof(TinyAFixture))]
    public void VisionEncoder_ReferencePixels_MatchesTransformersImageEmbeds(string image)
    {
        var embeds = RunVision(image);
        var reference = fixture.Reference($"{image}.image_embeds.npy");

        Assert.Equal(reference.Shape, embeds.Shape);
        TensorComparison.AssertClose(embeds.AsFloats(), reference.AsFloats(), reference.Shape, EmbedsTolerance, $"{image} image_embeds", output);
    }

    [Theory]
    [MemberData(nameof(TinyAFixture.Images), MemberType = typeof(TinyAFixture))]
    public void Decoder_FirstTwoGreedySteps_MatchTransformersLogits(string image)
    {
        var text = fixture.Manifest.Text;
        var cross = fixture.CrossAttention.Run(new Dictionary<string, HostTensor> { [BlipModelContract.ImageEmbeds] = RunVision(image) });

        var step1 = fixture.Decoder.Run(DecoderInputs.Create(text, [[BlipModelContract.DecoderStartTokenId]], null, cross));
        var logits1 = step1[BlipModelContract.Logits];
        var reference1 = fixture.Reference($"{image}.logits_step1.npy");
        Assert.Equal([1, text.VocabSize], logits1.Shape);
        TensorComparison.AssertClose(logits1.AsFloats(), reference1.AsFloats(), logits1.Shape, LogitsTolerance, $"{image} logits_step1", output);
        var top = TensorComparison.TopTwo(logits1.AsFloats());
        Assert.Equal(TensorComparison.TopTwo(reference1.AsFloats()), top);
        Assert.Equal([1, text.Heads, 1, text.HeadDim], step1[BlipModelContract.PresentKey(0)].Shape);

        var step2 = fixture.Decoder.Run(DecoderInputs.Create(text, [[top.Top1]], step1, cross));
        var logits2 = step2[BlipModelContract.Logits];
        var reference2 = fixture.Reference($"{image}.logits_step2_last.npy");
        TensorComparison.AssertClose(logits2.AsFloats(), reference2.AsFloats(), logits2.Shape, LogitsTolerance, $"{image} logits_step2_last", output);
        Assert.Equal(TensorComparison.TopTwo(reference2.AsFloats()), TensorComparison.TopTwo(logits2.AsFloats()));
        Assert.Equal([1, text.Heads, 2, text.HeadDim], step2[BlipModelContract.PresentValue(text.Layers - 1)].Shape);
    }

    public static TheoryData<string, string> GreedyRuns()
    {
        var runs = new TheoryData<string, string>();
        foreach (var image in new[] { "astronaut", "chelsea", "coffee", "rocket" })
        {
            runs.Add(image, "greedy_uncond");
            runs.Add(image, "greedy_prompt");
        }

        return runs;
    }

    [Theory]
    [MemberData(nameof(GreedyRuns))]
    public void Decoder_ReferenceGreedyRunWithCache_EveryStepHasTransformersTopTwo(string image, string run)
    {
        var text = fixture.Manifest.Text;
        var ids = fixture.ReferenceIds($"{image}.{run}.ids.npy");
        var top2Ids = fixture.ReferenceIds($"{image}.{run}.top2_ids.npy");
        var top2Values = fixture.Reference($"{image}.{run}.top2_values.npy").AsFloats();
        var steps = top2Ids.Length / 2;
        var promptLength = ids.Length - steps; // the start ids (1, or 4 with the prompt) go in one first call
        var cross = fixture.CrossAttention.Run(new Dictionary<string, HostTensor> { [BlipModelContract.ImageEmbeds] = RunVision(image) });

        Dictionary<string, HostTensor>? previous = null;
        double worst = 0;
        for (var step = 0; step < steps; step++)
        {
            long[] newIds = step == 0 ? ids[..promptLength] : [ids[promptLength + step - 1]];
            previous = fixture.Decoder.Run(DecoderInputs.Create(text, [newIds], previous, cross));
            var logits = previous[BlipModelContract.Logits].AsFloats();
            var (top1, top2) = TensorComparison.TopTwo(logits);
            Assert.True(top1 == top2Ids[2 * step] && top2 == top2Ids[(2 * step) + 1],
                $"{image} {run} step {step}: top-2 ids ({top1}, {top2}), transformers ({top2Ids[2 * step]}, {top2Ids[(2 * step) + 1]})");
            Assert.Equal(ids[promptLength + step], top1);
            worst = Math.Max(worst, Math.Max(Math.Abs(logits[top1] - top2Values[2 * step]), Math.Abs(logits[top2] - top2Values[(2 * step) + 1])));
        }

        Assert.Equal(ids.Length - 1, previous![BlipModelContract.PresentKey(0)].Shape[2]);
        output.WriteLine($"{image} {run}: {steps} cached steps, max |diff| of the top-2 logits = {worst:E3}");
        Assert.True(worst <= LogitsTolerance, $"{image} {run}: top-2 logits differ by {worst:E3}");
    }

    private HostTensor RunVision(string image) =>
        fixture.Vision.Run(new Dictionary<string, HostTensor> { [BlipModelContract.PixelValues] = fixture.PixelValues(image) })[BlipModelContract.ImageEmbeds];
}

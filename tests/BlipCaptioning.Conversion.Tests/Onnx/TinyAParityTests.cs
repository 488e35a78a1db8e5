using System.Globalization;
using BlipCaptioning.Model;
using Xunit.Abstractions;

namespace BlipCaptioning.Conversion.Tests.Onnx;

/// <summary>
/// The graphs built from tests/fixtures/transformers-tiny-a reproduce transformers' own outputs for that checkpoint,
/// whether the weights were read from model.safetensors or from pytorch_model.bin. The model is fed the reference
/// pixel values (PIL's resize, normalised as transformers does), so these tests measure the model alone.
/// </summary>
[Collection(TinyADefinition.Name)]
public sealed class TinyAParityTests(TinyAFixture fixture, ITestOutputHelper output)
{
    /// <summary>The bound for image_embeds: max |ours − transformers| ≤ 1e-4.</summary>
    public const double EmbedsTolerance = 1e-4;

    /// <summary>The bound for logits: max |ours − transformers| ≤ 1e-3.</summary>
    public const double LogitsTolerance = 1e-3;

    [Fact]
    public void PixelValues_RebuiltFromPilResize_MatchTheReferenceSha256()
    {
        foreach (var image in fixture.PixelSha256.Keys)
        {
            Assert.True(fixture.PixelSha256[image] == TinyAFixture.Sha256OfFloats(fixture.PixelValues(image).AsFloats()),
                $"{image} pixel_values rebuilt from pil-resized/{image}.resized.npy: SHA-256 differs from reference/index.json");
        }
    }

    [Theory]
    [MemberData(nameof(TinyAFixture.BuildsAndImages), MemberType = typeof(TinyAFixture))]
    public void VisionEncoder_ReferencePixels_MatchesTransformersImageEmbeds(string weights, string image)
    {
        var embeds = fixture.Build(weights).ImageEmbeds(fixture.PixelValues(image));
        var reference = fixture.Reference($"{image}.image_embeds.npy");

        Assert.Equal(reference.Shape, embeds.Shape);
        TensorComparison.AssertClose(embeds.AsFloats(), reference.AsFloats(), reference.Shape, EmbedsTolerance, $"{image} image_embeds (from {weights})", output);
    }

    [Theory]
    [MemberData(nameof(TinyAFixture.BuildsAndImages), MemberType = typeof(TinyAFixture))]
    public void Decoder_FirstTwoGreedySteps_MatchTransformersLogitsAndTopTwoIds(string weights, string image)
    {
        var build = fixture.Build(weights);
        var text = build.Manifest.Text;
        var cross = build.CrossFor(build.ImageEmbeds(fixture.PixelValues(image)));

        var step1 = build.Decoder.Run(DecoderInputs.Create(text, [[BlipModelContract.DecoderStartTokenId]], null, cross));
        var logits1 = step1[BlipModelContract.Logits];
        var reference1 = fixture.Reference($"{image}.logits_step1.npy");
        Assert.Equal([1, text.VocabSize], logits1.Shape);
        TensorComparison.AssertClose(logits1.AsFloats(), reference1.AsFloats(), logits1.Shape, LogitsTolerance, $"{image} logits_step1 (from {weights})", output);
        var top = TensorComparison.AssertSameTopTwo(logits1.AsFloats(), reference1.AsFloats(), $"{image} logits_step1 (from {weights})");
        Assert.Equal([1, text.Heads, 1, text.HeadDim], step1[BlipModelContract.PresentKey(0)].Shape);

        var step2 = build.Decoder.Run(DecoderInputs.Create(text, [[top.Top1]], step1, cross));
        var logits2 = step2[BlipModelContract.Logits];
        var reference2 = fixture.Reference($"{image}.logits_step2_last.npy");
        TensorComparison.AssertClose(logits2.AsFloats(), reference2.AsFloats(), logits2.Shape, LogitsTolerance, $"{image} logits_step2_last (from {weights})", output);
        TensorComparison.AssertSameTopTwo(logits2.AsFloats(), reference2.AsFloats(), $"{image} logits_step2_last (from {weights})");
        Assert.Equal([1, text.Heads, 2, text.HeadDim], step2[BlipModelContract.PresentValue(text.Layers - 1)].Shape);
    }

    [Theory]
    [MemberData(nameof(TinyAFixture.BuildsImagesAndRuns), MemberType = typeof(TinyAFixture))]
    public void Decoder_ReferenceGreedyRunWithCache_EveryStepHasTransformersTopTwo(string weights, string image, string run)
    {
        var build = fixture.Build(weights);
        var text = build.Manifest.Text;
        var ids = fixture.ReferenceIds($"{image}.{run}.ids.npy");
        var top2Ids = fixture.ReferenceIds($"{image}.{run}.top2_ids.npy");
        var top2Values = fixture.Reference($"{image}.{run}.top2_values.npy").AsFloats();
        var steps = top2Ids.Length / 2;
        var promptLength = ids.Length - steps; // the start ids (1, or 4 with the prompt) go in one first call
        var cross = build.CrossFor(build.ImageEmbeds(fixture.PixelValues(image)));

        Dictionary<string, HostTensor>? previous = null;
        var worst = (Difference: 0.0, Step: 0, Id: 0, Ours: 0f, Theirs: 0f);
        for (var step = 0; step < steps; step++)
        {
            long[] newIds = step == 0 ? ids[..promptLength] : [ids[promptLength + step - 1]];
            previous = build.Decoder.Run(DecoderInputs.Create(text, [newIds], previous, cross));
            var logits = previous[BlipModelContract.Logits].AsFloats();
            var (top1, top2) = TensorComparison.TopTwo(logits);
            Assert.True(top1 == top2Ids[2 * step] && top2 == top2Ids[(2 * step) + 1],
                $"{image} {run} (from {weights}) step {step}: top-2 ids ({top1}, {top2}), transformers ({top2Ids[2 * step]}, {top2Ids[(2 * step) + 1]})");
            Assert.Equal(ids[promptLength + step], top1);
            foreach (var (id, theirs) in new[] { (top1, top2Values[2 * step]), (top2, top2Values[(2 * step) + 1]) })
            {
                if (Math.Abs(logits[id] - theirs) > worst.Difference)
                {
                    worst = (Math.Abs(logits[id] - theirs), step, id, logits[id], theirs);
                }
            }
        }

        Assert.Equal(ids.Length - 1, previous![BlipModelContract.PresentKey(0)].Shape[2]);
        var described = string.Create(CultureInfo.InvariantCulture,
            $"{image} {run} (from {weights}): {steps} cached steps, max |diff| of the top-2 logits = {worst.Difference:E3} at step {worst.Step}, id {worst.Id} (ours {worst.Ours:R}, theirs {worst.Theirs:R})");
        output.WriteLine(described);
        Assert.True(worst.Difference <= LogitsTolerance, described);
    }
}

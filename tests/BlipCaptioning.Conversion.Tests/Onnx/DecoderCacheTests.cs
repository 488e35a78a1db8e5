using BlipCaptioning.Model;
using BlipCaptioning.Testing;
using Xunit.Abstractions;

namespace BlipCaptioning.Conversion.Tests.Onnx;

/// <summary>
/// The decoder's key/value cache and its sharing of cross keys/values between rows of the same image change no
/// numbers: cached steps equal full recomputation, and batched rows equal rows decoded alone.
/// </summary>
[Collection(TinyADefinition.Name)]
public sealed class DecoderCacheTests(TinyAFixture fixture, ITestOutputHelper output)
{
    private const double Tolerance = 1e-4;

    private TextDimensions Text => fixture.Manifest.Text;

    [Fact]
    public void Decoder_SixTokensStepByStepWithCache_EqualsOneCallPerPrefixWithoutCache()
    {
        long[] ids = [BlipModelContract.DecoderStartTokenId, 1037, 3861, 1997, 2119, 452];
        var cross = CrossFor(Embeds("astronaut"));

        Dictionary<string, HostTensor>? cached = null;
        for (var length = 1; length <= ids.Length; length++)
        {
            cached = fixture.Decoder.Run(DecoderInputs.Create(Text, [[ids[length - 1]]], cached, cross));
            var full = fixture.Decoder.Run(DecoderInputs.Create(Text, [ids[..length]], null, cross));
            var logits = cached[BlipModelContract.Logits];
            TensorComparison.AssertClose(logits.AsFloats(), full[BlipModelContract.Logits].AsFloats(), logits.Shape, Tolerance,
                $"logits after {length} tokens, cached vs full", output);
            for (var layer = 0; layer < Text.Layers; layer++)
            {
                foreach (var name in new[] { BlipModelContract.PresentKey(layer), BlipModelContract.PresentValue(layer) })
                {
                    Assert.Equal(full[name].Shape, cached[name].Shape);
                    TensorComparison.AssertClose(cached[name].AsFloats(), full[name].AsFloats(), full[name].Shape, Tolerance,
                        $"{name} after {length} tokens, cached vs full", length == ids.Length ? output : null);
                }
            }
        }
    }

    [Fact]
    public void Decoder_PromptInOneCallThenSingleSteps_EqualsOneCallOverTheWholeSequence()
    {
        long[] ids = [BlipModelContract.DecoderStartTokenId, 1037, 3861, 1997, 2119, 452];
        var cross = CrossFor(Embeds("coffee"));

        var step = fixture.Decoder.Run(DecoderInputs.Create(Text, [ids[..4]], null, cross));
        step = fixture.Decoder.Run(DecoderInputs.Create(Text, [[ids[4]]], step, cross));
        step = fixture.Decoder.Run(DecoderInputs.Create(Text, [[ids[5]]], step, cross));
        var full = fixture.Decoder.Run(DecoderInputs.Create(Text, [ids], null, cross));

        var logits = step[BlipModelContract.Logits];
        TensorComparison.AssertClose(logits.AsFloats(), full[BlipModelContract.Logits].AsFloats(), logits.Shape, Tolerance, "logits, 4-token prompt + 2 steps vs full", output);
    }

    [Fact]
    public void Decoder_SeveralNewTokensOnTopOfACache_EqualsOneCallOverTheWholeSequence()
    {
        long[] ids = [BlipModelContract.DecoderStartTokenId, 1037, 3861, 1997, 2119, 452];
        var cross = CrossFor(Embeds("rocket"));

        var first = fixture.Decoder.Run(DecoderInputs.Create(Text, [ids[..2]], null, cross));
        var second = fixture.Decoder.Run(DecoderInputs.Create(Text, [ids[2..]], first, cross));
        var full = fixture.Decoder.Run(DecoderInputs.Create(Text, [ids], null, cross));

        var logits = second[BlipModelContract.Logits];
        TensorComparison.AssertClose(logits.AsFloats(), full[BlipModelContract.Logits].AsFloats(), logits.Shape, Tolerance, "logits, 2 tokens then 4 on the cache vs full", output);
        var value = full[BlipModelContract.PresentValue(Text.Layers - 1)];
        TensorComparison.AssertClose(second[BlipModelContract.PresentValue(Text.Layers - 1)].AsFloats(), value.AsFloats(), value.Shape, Tolerance,
            "last present value, 2 tokens then 4 on the cache vs full", output);
    }

    [Fact]
    public void Decoder_TwoImagesWithThreeRowsEach_EachRowEqualsTheRowDecodedAlone()
    {
        string[] images = ["astronaut", "chelsea"];
        const int rowsPerImage = 3;
        long[][] firstIds = [[30522, 1037], [30522, 2119], [30522, 452], [30522, 1037], [30522, 3861], [30522, 1997]];
        long[][] secondIds = [[2119], [1037], [23721], [452], [2119], [3861]];

        var batchEmbeds = fixture.Vision.Run(new Dictionary<string, HostTensor>
        {
            [BlipModelContract.PixelValues] = Stack(images.Select(fixture.PixelValues).ToArray()),
        })[BlipModelContract.ImageEmbeds];
        Assert.Equal(2, batchEmbeds.Shape[0]);
        var batchCross = CrossFor(batchEmbeds);
        var batch1 = fixture.Decoder.Run(DecoderInputs.Create(Text, firstIds, null, batchCross));
        var batch2 = fixture.Decoder.Run(DecoderInputs.Create(Text, secondIds, batch1, batchCross));
        Assert.Equal([6, Text.VocabSize], batch2[BlipModelContract.Logits].Shape);

        double worst = 0;
        for (var row = 0; row < firstIds.Length; row++)
        {
            var image = images[row / rowsPerImage];
            var cross = CrossFor(Embeds(image));
            var single1 = fixture.Decoder.Run(DecoderInputs.Create(Text, [firstIds[row]], null, cross));
            var single2 = fixture.Decoder.Run(DecoderInputs.Create(Text, [secondIds[row]], single1, cross));
            foreach (var (batch, single, step) in new[] { (batch1, single1, 1), (batch2, single2, 2) })
            {
                var logits = single[BlipModelContract.Logits];
                worst = Math.Max(worst, TensorComparison.AssertClose(Row(batch[BlipModelContract.Logits], row), logits.AsFloats(), logits.Shape, Tolerance,
                    $"row {row} ({image}) step {step} logits, batched vs alone"));
                var key = single[BlipModelContract.PresentKey(Text.Layers - 1)];
                worst = Math.Max(worst, TensorComparison.AssertClose(Row(batch[BlipModelContract.PresentKey(Text.Layers - 1)], row), key.AsFloats(), key.Shape, Tolerance,
                    $"row {row} ({image}) step {step} last present key, batched vs alone"));
            }
        }

        output.WriteLine($"2 images x 3 rows, 2 steps: max |diff| batched vs alone = {worst:E3}");
    }

    [Theory]
    [MemberData(nameof(TinyAFixture.WeightsFiles), MemberType = typeof(TinyAFixture))]
    public void Decoder_TwoImagesGreedyAsOneBatch_ReproducesTransformersBatchIdsAndTheSingleRuns(string weights)
    {
        string[] images = ["astronaut", "chelsea"];
        var build = fixture.Build(weights);
        var reference = HostTensor.ReadNpy(Path.Combine(fixture.Root, "reference", "batch.greedy_uncond.ids.npy"));
        var rows = (int)reference.Shape[0];
        var length = (int)reference.Shape[1];
        Assert.Equal(images.Length, rows);
        var cross = build.CrossFor(build.ImageEmbeds(Stack([.. images.Select(fixture.PixelValues)])));

        var ids = Enumerable.Range(0, rows).Select(_ => new List<long> { BlipModelContract.DecoderStartTokenId }).ToArray();
        Dictionary<string, HostTensor>? previous = null;
        while (ids[0].Count < length)
        {
            previous = build.Decoder.Run(DecoderInputs.Create(build.Manifest.Text, [.. ids.Select(row => new[] { row[^1] })], previous, cross));
            for (var row = 0; row < rows; row++)
            {
                ids[row].Add(TensorComparison.TopTwo(Row(previous[BlipModelContract.Logits], row)).Top1);
            }
        }

        for (var row = 0; row < rows; row++)
        {
            IdSequences.AssertEqual(reference.AsInt64s().AsSpan(row * length, length).ToArray(), ids[row], $"batch row {row} ({images[row]}) greedy_uncond ids (from {weights})");
            IdSequences.AssertEqual(fixture.ReferenceIds($"{images[row]}.greedy_uncond.ids.npy"), ids[row], $"batch row {row} ({images[row]}) vs its single-image run (from {weights})");
        }
    }

    [Fact]
    public void VisionEncoder_BatchOfTwoImages_EqualsEachImageAlone()
    {
        var batch = fixture.Vision.Run(new Dictionary<string, HostTensor>
        {
            [BlipModelContract.PixelValues] = Stack([fixture.PixelValues("coffee"), fixture.PixelValues("rocket")]),
        })[BlipModelContract.ImageEmbeds];

        var coffee = Embeds("coffee");
        var rocket = Embeds("rocket");
        TensorComparison.AssertClose(Row(batch, 0), coffee.AsFloats(), coffee.Shape, Tolerance, "coffee image_embeds, batched vs alone", output);
        TensorComparison.AssertClose(Row(batch, 1), rocket.AsFloats(), rocket.Shape, Tolerance, "rocket image_embeds, batched vs alone", output);
    }

    private HostTensor Embeds(string image) =>
        fixture.Vision.Run(new Dictionary<string, HostTensor> { [BlipModelContract.PixelValues] = fixture.PixelValues(image) })[BlipModelContract.ImageEmbeds];

    private Dictionary<string, HostTensor> CrossFor(HostTensor embeds) =>
        fixture.CrossAttention.Run(new Dictionary<string, HostTensor> { [BlipModelContract.ImageEmbeds] = embeds });

    private static float[] Row(HostTensor tensor, int row)
    {
        var size = (int)(tensor.ElementCount / tensor.Shape[0]);
        return tensor.AsFloats().AsSpan(row * size, size).ToArray();
    }

    private static HostTensor Stack(HostTensor[] tensors)
    {
        var shape = tensors[0].Shape.ToArray();
        shape[0] = tensors.Length;
        return HostTensor.Floats([.. tensors.SelectMany(tensor => tensor.AsFloats())], shape);
    }
}

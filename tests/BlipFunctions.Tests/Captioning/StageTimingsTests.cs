using BlipCaptioning;
using BlipFunctions.Captioning;

namespace BlipFunctions.Tests.Captioning;

public sealed class StageTimingsTests
{
    [Fact]
    public void Of_CoreTimings_FoldsTheEncoderWithCrossAttentionAndTheSearchWithTheDetokenizer()
    {
        var timings = new CaptionTimings(
            Decode: TimeSpan.FromMilliseconds(1), Preprocess: TimeSpan.FromMilliseconds(2), Vision: TimeSpan.FromMilliseconds(4),
            CrossAttention: TimeSpan.FromMilliseconds(8), Generate: TimeSpan.FromMilliseconds(16), Detokenize: TimeSpan.FromMilliseconds(32), Steps: 7);

        StageTimings folded = StageTimings.Of(timings);

        Assert.Equal(new StageTimings(DecodeMs: 1, PreprocessMs: 2, VisionMs: 12, GenerateMs: 48, TotalMs: 63, Steps: 7), folded);
    }
}

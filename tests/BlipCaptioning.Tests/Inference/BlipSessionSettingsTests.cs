using BlipCaptioning.Inference;
using BlipCaptioning.Preprocessing;

namespace BlipCaptioning.Tests.Inference;

/// <summary>The session defaults chosen from blip bench (docs/performance.md), and the engine's step trace.</summary>
[Collection(TinyModelDefinition.Name)]
public sealed class BlipSessionSettingsTests(TinyModelFixture fixture)
{
    [Fact]
    public void Default_ThreadsPerCpuNoSpinningArenaOn()
    {
        var settings = BlipSessionSettings.Default;

        Assert.Equal(0, settings.IntraOpThreads);
        Assert.Equal(Environment.ProcessorCount, settings.EffectiveIntraOpThreads);
        Assert.False(settings.AllowSpinning);
        Assert.True(settings.EnableMemoryArena);
    }

    [Fact]
    public void CreateSessionOptions_ZeroThreads_UsesOnePerCpu()
    {
        using var options = BlipSessionSettings.Default.CreateSessionOptions("text_decoder.onnx");

        Assert.Equal(Environment.ProcessorCount, options.IntraOpNumThreads);
        Assert.True(options.EnableCpuMemArena);
    }

    [Fact]
    public void CreateSessionOptions_ExplicitThreadsAndNoArena_AreApplied()
    {
        using var options = new BlipSessionSettings { IntraOpThreads = 3, EnableMemoryArena = false }.CreateSessionOptions("vision_encoder.onnx");

        Assert.Equal(3, options.IntraOpNumThreads);
        Assert.False(options.EnableCpuMemArena);
    }

    [Fact]
    public void CaptioningOptions_AllowSpinning_ReachesTheSessionSettings()
    {
        var options = new CaptioningOptions { ModelDirectory = "m", AllowSpinning = true, IntraOpThreads = 2 };

        var settings = options.ToSessionSettings();

        Assert.True(settings.AllowSpinning);
        Assert.Equal(2, settings.EffectiveIntraOpThreads);
        Assert.False(new CaptioningOptions().ToSessionSettings().AllowSpinning);
    }

    [Fact]
    public async Task Load_SpinningOnAndArenaOff_LoadsAndCaptionsTheSame()
    {
        // Every combination of the switches is a valid session: the graphs load and give the same ids.
        using var engine = CaptioningEngine.Load(fixture.ModelDirectory, new BlipSessionSettings { IntraOpThreads = 2, AllowSpinning = true, EnableMemoryArena = false }, new ImageLoadingOptions());
        var plan = engine.Plan(CaptionSettings.Default);
        await using var stream = TinyModelFixture.OpenImage("chelsea");
        using var image = await engine.Preprocessor.LoadAsync(stream);

        var caption = engine.Caption([image], [TimeSpan.Zero], plan, CancellationToken.None)[0];

        Assert.Equal(TinyModelFixture.ReferenceIds("chelsea", "greedy_uncond"), caption.TokenIds);
    }

    [Fact]
    public async Task Caption_WithStepTrace_RecordsOneTimePerDecoderStep()
    {
        using var engine = CaptioningEngine.Load(fixture.ModelDirectory, new BlipSessionSettings { IntraOpThreads = 1 }, new ImageLoadingOptions());
        var plan = engine.Plan(CaptionSettings.Default);
        await using var stream = TinyModelFixture.OpenImage("astronaut");
        using var image = await engine.Preprocessor.LoadAsync(stream);
        var trace = new DecoderStepTrace();

        var caption = engine.Caption([image], [TimeSpan.Zero], plan, CancellationToken.None, trace)[0];

        Assert.Equal(caption.Timings.Steps, trace.Times.Count);
        Assert.All(trace.Times, t => Assert.True(t >= TimeSpan.Zero));
        Assert.True(trace.AllocatedBytes >= 0);
        Assert.Equal(TinyModelFixture.ReferenceIds("astronaut", "greedy_uncond"), caption.TokenIds);

        trace.Clear();
        Assert.Empty(trace.Times);
        Assert.Equal(0, trace.AllocatedBytes);
    }
}

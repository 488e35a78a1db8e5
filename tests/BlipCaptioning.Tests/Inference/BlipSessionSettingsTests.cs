using BlipCaptioning.Inference;
using BlipCaptioning.Preprocessing;

namespace BlipCaptioning.Tests.Inference;

/// <summary>The session defaults chosen from blip bench (docs/performance.md), the shared thread pool, and the engine's step trace.</summary>
[Collection(TinyModelDefinition.Name)]
public sealed class BlipSessionSettingsTests(TinyModelFixture fixture)
{
    [Fact]
    public void Default_ThreadsPerCpuInTheSharedSpinningPoolArenaOn()
    {
        var settings = BlipSessionSettings.Default;

        Assert.Equal(0, settings.IntraOpThreads);
        Assert.Equal(Environment.ProcessorCount, settings.EffectiveIntraOpThreads);
        Assert.Equal(SessionThreadPool.Shared, settings.ThreadPool);
        Assert.Null(settings.AllowSpinning);
        Assert.True(settings.EffectiveSpinning(SessionThreadPool.Shared));
        Assert.False(settings.EffectiveSpinning(SessionThreadPool.PerSession));
        Assert.True(settings.EnableMemoryArena);
    }

    [Fact]
    public void EffectiveSpinning_SetExplicitly_WinsOverThePoolsDefault()
    {
        Assert.False(new BlipSessionSettings { AllowSpinning = false }.EffectiveSpinning(SessionThreadPool.Shared));
        Assert.True(new BlipSessionSettings { AllowSpinning = true }.EffectiveSpinning(SessionThreadPool.PerSession));
    }

    [Fact]
    public void CreateSessionOptions_PerSessionPool_GetsTheThreadsAndNoArena()
    {
        var settings = new BlipSessionSettings { IntraOpThreads = 3, EnableMemoryArena = false, ThreadPool = SessionThreadPool.PerSession };
        var threading = settings.ResolveThreading();

        using var options = settings.CreateSessionOptions("vision_encoder.onnx", threading);

        Assert.Equal(new SessionThreading(SessionThreadPool.PerSession, 3, false), threading);
        Assert.Equal(3, options.IntraOpNumThreads);
        Assert.False(options.EnableCpuMemArena);
    }

    [Fact]
    public void CaptioningOptions_ThreadPoolAndSpinning_ReachTheSessionSettings()
    {
        var options = new CaptioningOptions { ModelDirectory = "m", AllowSpinning = true, IntraOpThreads = 2, ThreadPool = SessionThreadPool.PerSession };

        var settings = options.ToSessionSettings();

        Assert.True(settings.AllowSpinning);
        Assert.Equal(SessionThreadPool.PerSession, settings.ThreadPool);
        Assert.Equal(2, settings.EffectiveIntraOpThreads);
        Assert.Null(new CaptioningOptions().ToSessionSettings().AllowSpinning);
        Assert.Equal(SessionThreadPool.Shared, new CaptioningOptions().ToSessionSettings().ThreadPool);
    }

    [Fact]
    public async Task Load_SharedPool_ModelsWithThePoolsSettingsJoinItAndOthersGetTheirOwnPools()
    {
        // The process has one shared pool, made with the default settings before the first test (SharedThreadPoolSetup,
        // as the app's first model load does): a model with its settings joins it, a model asking for another thread
        // count gets its own pools and says why.
        var pool = SharedOnnxThreadPool.Current!.Value;
        Assert.Equal((Environment.ProcessorCount, true), pool);
        var matching = new BlipSessionSettings { IntraOpThreads = pool.Threads, AllowSpinning = pool.Spinning, InterOpThreads = 2 };
        var other = new BlipSessionSettings { IntraOpThreads = pool.Threads + 1, AllowSpinning = pool.Spinning };

        using var joined = CaptioningEngine.Load(fixture.ModelDirectory, matching, new ImageLoadingOptions());
        using var own = CaptioningEngine.Load(fixture.ModelDirectory, other, new ImageLoadingOptions());

        Assert.Equal(pool, SharedOnnxThreadPool.Current);
        Assert.Equal(new SessionThreading(SessionThreadPool.Shared, pool.Threads, pool.Spinning), joined.Model.Threading);
        Assert.Equal(SessionThreadPool.PerSession, own.Model.Threading.Pool);
        Assert.Equal(pool.Threads + 1, own.Model.Threading.Threads);
        Assert.Contains($"shared pool has {pool.Threads} thread(s)", own.Model.Threading.WhyNotShared);
        foreach (var engine in new[] { joined, own })
        {
            var plan = engine.Plan(CaptionSettings.Default);
            await using var stream = TinyModelFixture.OpenImage("coffee");
            using var image = await engine.Preprocessor.LoadAsync(stream);
            Assert.Equal(TinyModelFixture.ReferenceIds("coffee", "greedy_uncond"), engine.Caption([image], [TimeSpan.Zero], plan, CancellationToken.None)[0].TokenIds);
        }
    }

    [Fact]
    public void EnsureCreatedWithDefaults_PoolAlreadyMadeWithTheDefaults_IsANoOp()
    {
        SharedOnnxThreadPool.EnsureCreatedWithDefaults();

        Assert.Equal((Environment.ProcessorCount, true), SharedOnnxThreadPool.Current);
    }

    [Fact]
    public void TryUse_OtherSettingsThanThePools_SaysWhyAndChangesNothing()
    {
        string? whyNot = SharedOnnxThreadPool.TryUse(Environment.ProcessorCount + 2, spinning: false);

        Assert.Equal($"this process's shared pool has {Environment.ProcessorCount} thread(s) with spinning (set by the first model loaded), and these settings ask for {Environment.ProcessorCount + 2} without", whyNot);
        Assert.Equal((Environment.ProcessorCount, true), SharedOnnxThreadPool.Current);
    }

    [Fact]
    public void SessionThreading_ToString_NamesPoolThreadsAndSpinning()
    {
        Assert.Equal("shared pool, 2 threads, spinning", new SessionThreading(SessionThreadPool.Shared, 2, true).ToString());
        Assert.Equal("per-session pools, 1 thread, no spinning", new SessionThreading(SessionThreadPool.PerSession, 1, false).ToString());
    }

    [Fact]
    public async Task Load_SpinningOnAndArenaOff_LoadsAndCaptionsTheSame()
    {
        // Every combination of the switches is a valid session: the graphs load and give the same ids.
        using var engine = CaptioningEngine.Load(fixture.ModelDirectory, new BlipSessionSettings { IntraOpThreads = 2, AllowSpinning = true, EnableMemoryArena = false, ThreadPool = SessionThreadPool.PerSession }, new ImageLoadingOptions());
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

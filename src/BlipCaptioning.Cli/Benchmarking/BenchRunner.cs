using System.Diagnostics;
using BlipCaptioning.Errors;
using BlipCaptioning.Inference;
using BlipCaptioning.Model;
using BlipCaptioning.Preprocessing;

namespace BlipCaptioning.Cli.Benchmarking;

/// <summary>
/// Runs the scenarios of <c>blip bench</c> in order: machine floor, one caption at a time at each thread count (the
/// largest with every stage timed), the naive baselines, concurrent captions, batches at the app's defaults, cold
/// starts in child processes. Progress goes to <paramref name="log"/>; nothing here asserts on time.
/// </summary>
internal sealed class BenchRunner(BenchOptions options, TextWriter log)
{
    public async Task<BenchResults> RunAsync(CancellationToken cancellationToken)
    {
        var manifest = ReadManifest(options.ModelDirectory);
        var images = options.ImageFiles.Count > 0 ? BenchImages.Load(options.ImageFiles) : BenchImages.Synthesize();
        var results = new BenchResults
        {
            ModelDirectory = Path.GetFullPath(options.ModelDirectory),
            Precision = string.IsNullOrWhiteSpace(manifest.Precision) ? "fp32" : manifest.Precision,
            Source = manifest.Source,
            Machine = MachineName(),
            LogicalCpus = Environment.ProcessorCount,
            Images = [.. images.Select(i => i.Name)],
            Cost = new ModelCost(manifest),
            NominalSteps = Math.Max(1, manifest.Generation.MaxLength - 1),
            PeakResettable = PeakMemory.TryReset(),
        };

        // As in the app, the first model decides the process's shared thread pool; make it before the floor's sessions
        // would create ONNX Runtime's environment without one.
        options.SessionSettings(options.MainThreads).ResolveThreading();
        Progress($"machine floor: [{MachineFloor.M}x{MachineFloor.K}]x[{MachineFloor.K}x{MachineFloor.N}] fp32 and int8, median of {options.FloorRuns}");
        results.Floor = MachineFloor.Measure([.. options.Threads.Distinct().Order()], options.FloorRuns, warmup: 3, cancellationToken);

        Progress($"{options.Runs} captions one at a time, {options.MainThreads} threads, every stage timed");
        results.Main = await RunSequentialAsync(options.MainThreads, options.Runs, images, results.Cost, naive: results, cancellationToken);

        foreach (int threads in options.Threads.Distinct().Where(t => t != options.MainThreads).OrderDescending())
        {
            int runs = Math.Max(2, (options.Runs + 2) / 3);
            Progress($"{runs} captions one at a time, {threads} thread{(threads == 1 ? "" : "s")}");
            results.OtherThreads.Add(await RunSequentialAsync(threads, runs, images, results.Cost, naive: null, cancellationToken));
        }

        foreach (int concurrency in options.Concurrency.Where(c => c > 1).Distinct())
        {
            int threadsEach = Math.Max(1, Environment.ProcessorCount / concurrency);
            int count = Math.Max(concurrency, concurrency * ((options.Runs + 5) / 6));
            Progress($"{count} captions, {concurrency} at once on one model, {threadsEach} thread{(threadsEach == 1 ? "" : "s")} per session");
            results.Concurrency.Add(await RunThroughputAsync($"{concurrency} at once", options.CaptioningOptions(threadsEach, concurrency), concurrency, 1, count, images, cancellationToken));
        }

        // The app's defaults: CaptioningOptions as the Functions app binds them (MaxConcurrency 1, one intra-op thread per CPU).
        var appDefaults = options.CaptioningOptions(new CaptioningOptions().IntraOpThreads, new CaptioningOptions().MaxConcurrency);
        foreach (int batch in options.BatchSizes.Where(b => b >= 1).Distinct().Order())
        {
            int rounds = batch == 1 ? Math.Max(2, (options.Runs + 1) / 2) : 2;
            Progress($"app defaults (MaxConcurrency {appDefaults.MaxConcurrency}), batches of {batch}, {rounds} batches");
            results.Batches.Add(await RunThroughputAsync(batch == 1 ? "app default" : $"batch {batch}", appDefaults, 1, batch, batch * rounds, images, cancellationToken));
        }

        if (options.ColdStart)
        {
            await ColdStart.MeasureAsync(options, images[0], results, Progress, cancellationToken);
        }

        return results;
    }

    private static BlipModelManifest ReadManifest(string directory)
    {
        string path = Path.Combine(directory, BlipModelContract.ManifestFileName);
        if (!Directory.Exists(directory))
        {
            throw new ModelNotFoundException($"The model directory '{Path.GetFullPath(directory)}' does not exist. {ModelNotFoundException.HowToMakeAModel(directory)}");
        }

        if (!File.Exists(path))
        {
            throw new ModelNotFoundException($"'{Path.GetFullPath(directory)}' is not a BLIP model directory: it has no {BlipModelContract.ManifestFileName}. {ModelNotFoundException.HowToMakeAModel(directory)}");
        }

        try
        {
            return BlipModelManifest.FromJson(File.ReadAllText(path));
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new Errors.ModelContractException($"{path} is not a valid BLIP model manifest: {ex.Message}", ex);
        }
    }

    /// <summary>/proc/cpuinfo's model name, else the OS description.</summary>
    internal static string MachineName()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                foreach (string line in File.ReadLines("/proc/cpuinfo"))
                {
                    if (line.StartsWith("model name", StringComparison.Ordinal) && line.IndexOf(':', StringComparison.Ordinal) is int colon and > 0)
                    {
                        return line[(colon + 1)..].Trim();
                    }
                }
            }
        }
        catch (IOException)
        {
            // Fall through to the OS description.
        }

        return System.Runtime.InteropServices.RuntimeInformation.OSDescription;
    }

    private void Progress(string message) => log.WriteLine("bench: " + message);

    /// <summary>
    /// Captions one image at a time through <see cref="CaptioningEngine"/> (the code <see cref="ImageCaptioner"/> runs)
    /// with the decoder steps timed. With <paramref name="naive"/> set, the naive baselines run on the same loaded model.
    /// </summary>
    private async Task<SequentialResult> RunSequentialAsync(int threads, int runs, IReadOnlyList<BenchImage> images, ModelCost cost, BenchResults? naive, CancellationToken cancellationToken)
    {
        var result = new SequentialResult { Threads = threads };
        using var engine = LoadMeasured(options, threads, result);
        var plan = DefaultPlan(engine);
        var stepTimes = new DecoderStepTrace();
        await WarmUpAsync(engine, plan, images, stepTimes, cancellationToken);
        long wallStarted = Stopwatch.GetTimestamp();
        for (int run = 0; run < runs; run++)
        {
            await MeasureOneAsync(engine, plan, images[run % images.Count], result, cost, stepTimes, cancellationToken);
        }

        result.WallMs = Stopwatch.GetElapsedTime(wallStarted).TotalMilliseconds;
        result.PeakRssMiB = PeakMemory.PeakMiB();

        if (naive is not null && options.NaiveRuns > 0)
        {
            Progress($"naive baseline: {options.NaiveRuns} captions recomputing the cross K/V and the whole sequence every step, each after a cached one");
            naive.Naive.Add(await RunNaiveAsync(engine, plan, images, recomputeCross: true, cancellationToken));
            Progress($"naive baseline: {options.NaiveRuns} captions with the cross K/V once but no self-attention cache, each after a cached one");
            naive.Naive.Add(await RunNaiveAsync(engine, plan, images, recomputeCross: false, cancellationToken));
        }

        return result;
    }

    /// <summary>
    /// A/B comparison on a busy machine: two engines loaded side by side (A = the options, B = the options with one
    /// change), captions alternating A B B A ... over the same images, so that both see the same load over time.
    /// </summary>
    public async Task<ComparisonResult> CompareAsync(BenchComparison change, CancellationToken cancellationToken)
    {
        var manifest = ReadManifest(options.ModelDirectory);
        var images = options.ImageFiles.Count > 0 ? BenchImages.Load(options.ImageFiles) : BenchImages.Synthesize();
        var cost = new ModelCost(manifest);
        var optionsB = change.Apply(options);
        var a = new SequentialResult { Threads = options.MainThreads };
        var b = new SequentialResult { Threads = optionsB.MainThreads };
        Progress($"A/B: A = as given, B = {change.Description}; {options.Runs} captions each, alternating");
        using var engineA = LoadMeasured(options, options.MainThreads, a);
        using var engineB = LoadMeasured(optionsB, optionsB.MainThreads, b);
        var planA = DefaultPlan(engineA);
        var planB = DefaultPlan(engineB);
        var stepTimes = new DecoderStepTrace();
        await WarmUpAsync(engineA, planA, images, stepTimes, cancellationToken);
        await WarmUpAsync(engineB, planB, images, stepTimes, cancellationToken);
        var ratios = new Samples("B/A");
        for (int run = 0; run < options.Runs; run++)
        {
            var image = images[run % images.Count];
            bool aFirst = run % 2 == 0;
            for (int k = 0; k < 2; k++)
            {
                bool isA = (k == 0) == aFirst;
                await MeasureOneAsync(isA ? engineA : engineB, isA ? planA : planB, image, isA ? a : b, cost, stepTimes, cancellationToken);
            }

            ratios.Add(b.Caption.Values[^1] / a.Caption.Values[^1]);
        }

        return new ComparisonResult(change.Description, a, b, ratios, a.FirstIds is { } idsA && b.FirstIds is { } idsB && idsA.SequenceEqual(idsB));
    }

    private static CaptioningEngine LoadMeasured(BenchOptions settings, int threads, SequentialResult result)
    {
        CollectGarbage();
        PeakMemory.TryReset();
        result.RssBeforeMiB = PeakMemory.CurrentMiB();
        long started = Stopwatch.GetTimestamp();
        var engine = CaptioningEngine.Load(settings.ModelDirectory, settings.SessionSettings(threads), new ImageLoadingOptions());
        result.LoadMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        result.Threading = engine.Model.Threading.ToString();
        return engine;
    }

    /// <summary>The settings the app captions with when a call passes none: the model's generation defaults.</summary>
    private static CaptionPlan DefaultPlan(CaptioningEngine engine) =>
        engine.Plan(new CaptioningOptions().DefaultCaptionSettings(engine.Model.Manifest.Generation));

    private static async Task MeasureOneAsync(CaptioningEngine engine, CaptionPlan plan, BenchImage image, SequentialResult result, ModelCost cost, DecoderStepTrace stepTimes, CancellationToken cancellationToken)
    {
        stepTimes.Clear();
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        long captionStarted = Stopwatch.GetTimestamp();
        var caption = await CaptionOnceAsync(engine, plan, image, stepTimes, cancellationToken);
        result.Caption.Add(Stopwatch.GetElapsedTime(captionStarted));
        result.AllocatedKiB.Add((GC.GetTotalAllocatedBytes(precise: true) - allocated) / 1024.0);
        result.StepAllocatedBytes.Add(stepTimes.AllocatedBytes / (double)Math.Max(1, stepTimes.Times.Count));
        var t = caption.Timings;
        result.Decode.Add(t.Decode);
        result.Resize.Add(t.Preprocess);
        result.Vision.Add(t.Vision);
        result.CrossKv.Add(t.CrossAttention);
        result.Generate.Add(t.Generate);
        result.SearchOverhead.Add((t.Generate - stepTimes.Times.Aggregate(TimeSpan.Zero, (sum, step) => sum + step)).TotalMilliseconds);
        result.Detokenize.Add(t.Detokenize);
        var times = stepTimes.Times;
        result.Steps.Add(times.Count);
        for (int i = 0; i < times.Count; i++)
        {
            (i == 0 ? result.FirstStep : result.LaterSteps).Add(times[i]);
            while (result.StepsByIndex.Count <= i)
            {
                result.StepsByIndex.Add(new Samples($"step {result.StepsByIndex.Count + 1}"));
            }

            result.StepsByIndex[i].Add(times[i]);
        }

        result.MacsTotal += cost.CaptionMacs(times.Count, plan.PromptIds.Length);
        result.FirstIds ??= caption.TokenIds;
    }

    /// <summary>
    /// One untimed caption of the first image (JIT, ONNX Runtime's arena), then the other images decoded and resized
    /// once, so that the pooled buffers of every image size exist before anything is measured.
    /// </summary>
    private static async Task WarmUpAsync(CaptioningEngine engine, CaptionPlan plan, IReadOnlyList<BenchImage> images, DecoderStepTrace stepTimes, CancellationToken cancellationToken)
    {
        await CaptionOnceAsync(engine, plan, images[0], stepTimes, cancellationToken);
        var pixels = new float[engine.Preprocessor.PixelValuesLength];
        foreach (var image in images.Skip(1))
        {
            using var loaded = await engine.Preprocessor.LoadAsync(new MemoryStream(image.Bytes, writable: false), cancellationToken);
            engine.Preprocessor.WritePixelValues(loaded, pixels);
        }
    }

    private static async Task<Caption> CaptionOnceAsync(CaptioningEngine engine, CaptionPlan plan, BenchImage image, DecoderStepTrace stepTimes, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        using var loaded = await engine.Preprocessor.LoadAsync(new MemoryStream(image.Bytes, writable: false), cancellationToken);
        var decode = Stopwatch.GetElapsedTime(started);
        return engine.Caption([loaded], [decode], plan, cancellationToken, stepTimes)[0];
    }

    /// <summary>
    /// The naive baseline, each naive caption paired with a cached caption of the same image just before it, so that
    /// the ratio compares captions made under the same machine load.
    /// </summary>
    private async Task<NaiveResult> RunNaiveAsync(CaptioningEngine engine, CaptionPlan plan, IReadOnlyList<BenchImage> images, bool recomputeCross, CancellationToken cancellationToken)
    {
        var samples = new Samples(recomputeCross ? "naive" : "naive, cross once");
        var cached = new Samples("cached");
        var ratios = new Samples("naive / cached");
        var trace = new DecoderStepTrace();
        bool sameIds = true;
        var model = engine.Model;
        int size = engine.Preprocessor.ImageSize;
        for (int run = 0; run < options.NaiveRuns; run++)
        {
            var image = images[run % images.Count];
            long started = Stopwatch.GetTimestamp();
            var reference = await CaptionOnceAsync(engine, plan, image, trace, cancellationToken);
            cached.Add(Stopwatch.GetElapsedTime(started));

            started = Stopwatch.GetTimestamp();
            using var loaded = await engine.Preprocessor.LoadAsync(new MemoryStream(image.Bytes, writable: false), cancellationToken);
            var pixels = new float[engine.Preprocessor.PixelValuesLength];
            engine.Preprocessor.WritePixelValues(loaded, pixels);
            using var pixelValues = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(pixels, [1, 3, size, size]);
            using var embeds = model.EncodeImages(pixelValues, cancellationToken);
            using var decoder = new NaiveDecoderRun(model, embeds, images: 1, plan.Strategy.RowsPerImage, recomputeCross);
            var sequences = plan.Strategy.Generate(decoder, plan.PromptIds, cancellationToken);
            _ = engine.Tokenizer.DecodeCaption([.. sequences[0].Ids], plan.PromptIds.Length, plan.Settings.StripPrompt);
            samples.Add(Stopwatch.GetElapsedTime(started));
            ratios.Add(samples.Values[^1] / cached.Values[^1]);
            sameIds &= reference.TokenIds.SequenceEqual(sequences[0].Ids);
        }

        string description = recomputeCross
            ? "no caches: every step recomputes the cross K/V and runs the decoder over the whole sequence"
            : "cross K/V once, no self-attention cache: every step runs the decoder over the whole sequence";
        return new NaiveResult(recomputeCross ? "naive" : "no self-attention cache", description, samples, cached, ratios, sameIds);
    }

    private static async Task<ThroughputResult> RunThroughputAsync(string name, CaptioningOptions captioningOptions, int concurrency, int batch, int count, IReadOnlyList<BenchImage> images, CancellationToken cancellationToken)
    {
        CollectGarbage();
        PeakMemory.TryReset();
        double rssBefore = PeakMemory.CurrentMiB();
        using var captioner = new ImageCaptioner(captioningOptions);
        await captioner.DescribeModelAsync(cancellationToken);

        // Warm-up: one round at full width, so that every session thread and arena has grown.
        await RoundAsync(0, concurrency * batch);
        var latencies = new Samples("latency");
        long started = Stopwatch.GetTimestamp();
        await RoundAsync(concurrency * batch, count, latencies);
        double wall = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        int threads = captioningOptions.IntraOpThreads > 0 ? captioningOptions.IntraOpThreads : Environment.ProcessorCount;
        return new ThroughputResult(name, concurrency, batch, threads, count, wall, latencies.Median, PeakMemory.PeakMiB(), rssBefore);

        // Callers = concurrency; each takes the next batch until count images are done.
        async Task RoundAsync(int offset, int total, Samples? record = null)
        {
            int next = 0;
            var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
            {
                while (true)
                {
                    int first = Interlocked.Add(ref next, batch) - batch;
                    if (first >= total)
                    {
                        return;
                    }

                    int size = Math.Min(batch, total - first);
                    var streams = Enumerable.Range(first, size).Select(i => (Stream)new MemoryStream(images[(offset + i) % images.Count].Bytes, writable: false)).ToList();
                    var captions = await captioner.CaptionBatchAsync(streams, null, cancellationToken);
                    foreach (var caption in captions)
                    {
                        record?.Add(caption.Timings.Total);
                    }
                }
            }, cancellationToken));
            await Task.WhenAll(workers);
        }
    }

    private static void CollectGarbage() => PeakMemory.ReleaseFreedMemory();
}

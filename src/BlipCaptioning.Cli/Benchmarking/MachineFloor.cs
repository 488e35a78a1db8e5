using System.Diagnostics;
using BlipCaptioning.Conversion.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace BlipCaptioning.Cli.Benchmarking;

/// <summary>
/// The machine's measured matrix-product rate through ONNX Runtime, the yardstick for "how far from the floor" the
/// model runs: one large fp32 MatMul ([577x768]x[768x3072], a vision MLP layer) and its int8 counterpart
/// (DynamicQuantizeLinear + MatMulInteger with int8 weights, rescaled to float: the pattern ONNX Runtime's dynamic
/// quantization writes and fuses into DynamicQuantizeMatMul), each timed as the median of many runs at each thread count.
/// A third product measures memory bandwidth instead of arithmetic: one row times a 94 MB fp32 matrix
/// ([1x768]x[768x30720], three times the CPU caches of the bench machine), which like a decoder step reads every weight
/// once per run.
/// </summary>
/// <remarks>
/// The graphs are written with the project's own <see cref="OnnxGraphBuilder"/>/<see cref="OnnxModelWriter"/> into a
/// temporary folder. Weights are initializers (as in the model, so ONNX Runtime pre-packs them); the int8 weights are
/// a float initializer of small integers behind a Cast that ONNX Runtime folds into an int8 constant on load.
/// </remarks>
internal static class MachineFloor
{
    public const int M = 577;
    public const int K = 768;
    public const int N = 3072;

    /// <summary>Columns of the bandwidth product's matrix: [K, StreamColumns] float32 is 94.4 MB.</summary>
    public const int StreamColumns = 30720;

    public static long MatMulMacs => (long)M * K * N;

    /// <summary>Bytes of weights the bandwidth product reads per run.</summary>
    public static long StreamBytes => (long)K * StreamColumns * sizeof(float);

    /// <summary>Times both products at each thread count: <paramref name="warmup"/> untimed runs, then the median of <paramref name="runs"/>.</summary>
    public static IReadOnlyList<FloorMeasurement> Measure(IReadOnlyList<int> threadCounts, int runs, int warmup, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(threadCounts);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(runs);
        string folder = Path.Combine(Path.GetTempPath(), "blip-bench-floor-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            string fp32 = Path.Combine(folder, "matmul_fp32.onnx");
            string int8 = Path.Combine(folder, "matmul_int8.onnx");
            string memory = Path.Combine(folder, "matvec_fp32.onnx");
            WriteGraph("fp32", fp32, cancellationToken);
            WriteGraph("int8", int8, cancellationToken);
            WriteGraph("memory", memory, cancellationToken);

            // Every configuration gets its own session, and the runs go round-robin over them: on a shared machine a
            // burst of other work then slows every configuration a little instead of one of them a lot.
            var timers = new List<ProductTimer>();
            try
            {
                foreach (int threads in threadCounts)
                {
                    timers.Add(new ProductTimer("fp32", fp32, threads));
                    timers.Add(new ProductTimer("int8", int8, threads));
                    timers.Add(new ProductTimer("memory", memory, threads));
                }

                for (int i = 0; i < warmup + runs; i++)
                {
                    foreach (var timer in timers)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        timer.RunOnce(record: i >= warmup);
                    }
                }

                var results = timers.Select(t => t.Result()).ToList();
                return results;
            }
            finally
            {
                foreach (var timer in timers)
                {
                    timer.Dispose();
                }
            }
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temporary folder is harmless.
            }
        }
    }

    /// <summary>
    /// Writes the "fp32" or "int8" product graph (input x float [M, K], output y float [M, N]) or the "memory" one
    /// (x [1, K], y [1, StreamColumns]) to <paramref name="path"/>.
    /// </summary>
    internal static void WriteGraph(string kind, string path, CancellationToken cancellationToken = default) =>
        OnnxModelWriter.Write(kind switch { "int8" => Int8Graph(), "memory" => StreamGraph(), _ => Fp32Graph() }, path, cancellationToken);

    /// <summary>Rows and columns of x and y of a product graph.</summary>
    internal static (int Rows, int Columns) Shape(string kind) => kind == "memory" ? (1, StreamColumns) : (M, N);

    /// <summary>y = x·W, x float [1, K] (input), W float [K, StreamColumns] (initializer, uniform in ±0.1).</summary>
    private static OnnxGraphBuilder StreamGraph()
    {
        var g = new OnnxGraphBuilder("floor_matvec_fp32");
        var x = g.Input("x", OnnxElementType.Float32, 1, K);
        var w = g.Initializer("w", OnnxTensorData.Floats(RandomWeights(K * StreamColumns, integers: false), K, StreamColumns));
        g.Node("MatMul", [x, w], output: "y");
        g.Output("y", OnnxElementType.Float32, 1, StreamColumns);
        return g;
    }

    /// <summary>
    /// The weights of the graphs, [K, N] row-major, from a fixed seed: uniform in ±0.1 for fp32; whole numbers in
    /// -127..127 for int8 (the int8 graph multiplies the product by 1/127).
    /// </summary>
    internal static float[] Weights(bool integers) => RandomWeights(K * N, integers);

    /// <summary>Y = X·W, X float [M, K] (input), W float [K, N] (initializer).</summary>
    private static OnnxGraphBuilder Fp32Graph()
    {
        var g = new OnnxGraphBuilder("floor_matmul_fp32");
        var x = g.Input("x", OnnxElementType.Float32, M, K);
        var w = g.Initializer("w", OnnxTensorData.Floats(RandomWeights(K * N, integers: false), K, N));
        g.Node("MatMul", [x, w], output: "y");
        g.Output("y", OnnxElementType.Float32, M, N);
        return g;
    }

    /// <summary>
    /// Y = float(MatMulInteger(q(X), Wq, zero_point(X))) · (scale(X)·wScale), with q(X) from DynamicQuantizeLinear
    /// (uint8, per tensor) and Wq int8 [K, N] (symmetric, zero point 0).
    /// </summary>
    private static OnnxGraphBuilder Int8Graph()
    {
        var g = new OnnxGraphBuilder("floor_matmul_int8");
        var x = g.Input("x", OnnxElementType.Float32, M, K);
        var wFloat = g.Initializer("w_values", OnnxTensorData.Floats(RandomWeights(K * N, integers: true), K, N));
        var w = g.Node("Cast", [wFloat], [OnnxAttribute.Int("to", (long)OnnxElementType.Int8)]);
        var quantized = g.Node("DynamicQuantizeLinear", [x], 3);
        var product = g.Node("MatMulInteger", [quantized[0], w, quantized[2]]);
        var asFloat = g.Node("Cast", [product], [OnnxAttribute.Int("to", (long)OnnxElementType.Float32)]);
        var scale = g.Mul(quantized[1], g.FloatScalar(1f / 127f));
        g.Node("Mul", [asFloat, scale], output: "y");
        g.Output("y", OnnxElementType.Float32, M, N);
        return g;
    }

    private static float[] RandomWeights(int count, bool integers)
    {
        var random = new Random(1234);
        var values = new float[count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = integers ? random.Next(-127, 128) : (float)((random.NextDouble() * 0.2) - 0.1);
        }

        return values;
    }

    /// <summary>One product graph in its own session with pre-allocated input and output tensors.</summary>
    private sealed class ProductTimer : IDisposable
    {
        private readonly string _precision;
        private readonly int _threads;
        private readonly SessionOptions _options;
        private readonly InferenceSession _session;
        private readonly OrtValue _x;
        private readonly OrtValue _y;
        private readonly RunOptions _runOptions = new();
        private readonly Samples _samples;

        public ProductTimer(string precision, string path, int threads)
        {
            _precision = precision;
            _threads = threads;
            _samples = new Samples($"{precision} {threads}t");
            _options = new SessionOptions
            {
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                IntraOpNumThreads = threads,
            };
            _options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
            _session = new InferenceSession(path, _options);
            var random = new Random(99);
            var (rows, columns) = Shape(precision);
            var input = new float[rows * K];
            for (int i = 0; i < input.Length; i++)
            {
                input[i] = (float)((random.NextDouble() * 2) - 1);
            }

            _x = OrtValue.CreateTensorValueFromMemory(input, [rows, K]);
            _y = OrtValue.CreateTensorValueFromMemory(new float[rows * columns], [rows, columns]);
        }

        public void RunOnce(bool record)
        {
            long started = Stopwatch.GetTimestamp();
            _session.Run(_runOptions, ["x"], [_x], ["y"], [_y]);
            if (record)
            {
                _samples.Add(Stopwatch.GetElapsedTime(started));
            }
        }

        public FloorMeasurement Result()
        {
            double seconds = _samples.Median / 1000.0;
            return _precision == "memory"
                ? new(_precision, _threads, _samples.Median, _samples.P90, (double)K * StreamColumns / seconds / 1e9, StreamBytes / seconds / 1e9)
                : new(_precision, _threads, _samples.Median, _samples.P90, MatMulMacs / seconds / 1e9);
        }

        public void Dispose()
        {
            _x.Dispose();
            _y.Dispose();
            _runOptions.Dispose();
            _session.Dispose();
            _options.Dispose();
        }
    }
}

/// <summary>
/// One timed product: median and p90 milliseconds and the MAC rate at the median; for the "memory" product also the
/// bytes of weights read per second (GB/s, 10⁹ bytes).
/// </summary>
internal sealed record FloorMeasurement(string Precision, int Threads, double MedianMs, double P90Ms, double GmacPerSecond, double? GBPerSecond = null);

using BlipCaptioning.Inference;
using BlipCaptioning.Cli.Benchmarking;
using BlipCaptioning.Cli.Commands;
using Microsoft.ML.OnnxRuntime;

namespace BlipCaptioning.Cli.Tests;

/// <summary>The bench's building blocks: statistics, memory readings, option parsing and the floor graphs' arithmetic.</summary>
public sealed class BenchPartsTests
{
    [Fact]
    public void Samples_MedianAndP90_InterpolateBetweenRanksLikeNumpy()
    {
        var samples = new Samples("t");
        foreach (double value in new double[] { 5, 1, 4, 2, 3 })
        {
            samples.Add(value);
        }

        Assert.Equal(3, samples.Median);
        Assert.Equal(4.6, samples.P90, 10);   // rank 0.9 x 4 = 3.6: 4 + 0.6 x (5 - 4)
        Assert.Equal(1, samples.Min);
    }

    [Fact]
    public void Samples_Empty_IsNaN()
    {
        Assert.True(double.IsNaN(new Samples("t").Median));
    }

    [Fact]
    public void PeakMemory_ParsesProcStatusLines()
    {
        const string status = "Name:\tblip\nVmPeak:\t 2000000 kB\nVmHWM:\t  123456 kB\nVmRSS:\t   65432 kB\n";

        Assert.Equal(123_456, PeakMemory.ParseKiB(status, "VmHWM:"));
        Assert.Equal(65_432, PeakMemory.ParseKiB(status, "VmRSS:"));
        Assert.Null(PeakMemory.ParseKiB(status, "VmSwap:"));
    }

    [Fact]
    public void PeakMemory_ThisProcess_ReportsAPositivePeakAtLeastTheCurrentRss()
    {
        Assert.True(PeakMemory.CurrentMiB() > 0);
        Assert.True(PeakMemory.PeakMiB() >= PeakMemory.CurrentMiB() * 0.99);
    }

    [Theory]
    [InlineData("threads=1")]
    [InlineData("spinning=0")]
    [InlineData("pool=session")]
    [InlineData("arena=off")]
    [InlineData("optimization=basic")]
    [InlineData("session.inter_op.allow_spinning=0")]
    public void Comparison_KnownForms_ChangeOnlyTheNamedSetting(string text)
    {
        var options = new BenchOptions { ModelDirectory = "m", Threads = [2] };

        var changed = BenchComparison.Parse(text).Apply(options);

        Assert.Equal(text, BenchComparison.Parse(text).Description);
        Assert.NotEqual(options, changed);
        Assert.Equal(options.ModelDirectory, changed.ModelDirectory);
        Assert.Empty(options.SessionEntries);
    }

    [Fact]
    public void Comparison_Spinning_SetsOnnxRuntimesEntry()
    {
        var changed = BenchComparison.Parse("spinning=1").Apply(new BenchOptions { ModelDirectory = "m" });

        Assert.Equal("1", changed.SessionEntries["session.intra_op.allow_spinning"]);
    }

    [Fact]
    public void Comparison_Pool_ChoosesTheSharedPoolOrPoolsPerSession()
    {
        var options = new BenchOptions { ModelDirectory = "m" };

        Assert.Equal(SessionThreadPool.PerSession, BenchComparison.Parse("pool=session").Apply(options).CaptioningOptions(2, 1).ThreadPool);
        Assert.Equal(SessionThreadPool.Shared, BenchComparison.Parse("pool=shared").Apply(options).CaptioningOptions(2, 1).ThreadPool);
        Assert.Equal(SessionThreadPool.Shared, options.CaptioningOptions(2, 1).ThreadPool);
    }

    [Theory]
    [InlineData("threads=0")]
    [InlineData("spinning=yes")]
    [InlineData("pool=both")]
    [InlineData("arena=maybe")]
    [InlineData("optimization=max")]
    [InlineData("novalue")]
    public void Comparison_BadForms_AreArgumentErrors(string text)
    {
        Assert.Throws<ArgumentException>(() => BenchComparison.Parse(text));
    }

    [Fact]
    public void ParseList_CommasAndSeparateValues_AreBothAccepted()
    {
        Assert.Equal([1, 2, 4], BenchCommand.ParseList(["1,2", "4"], "--batch", [9], minimum: 1));
        Assert.Equal([9], BenchCommand.ParseList([], "--batch", [9], minimum: 1));
    }

    [Fact]
    public void FloorGraphs_ComputeTheMatrixProduct()
    {
        // The timed graphs must compute what they claim: fp32 exactly (to float rounding), int8 within its quantisation error.
        string folder = Directory.CreateTempSubdirectory("blip-floor-test-").FullName;
        try
        {
            var random = new Random(5);
            var x = new float[MachineFloor.M * MachineFloor.K];
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = (float)((random.NextDouble() * 2) - 1);
            }

            float[] fp32 = Run("fp32", Path.Combine(folder, "fp32.onnx"), x);
            float[] int8 = Run("int8", Path.Combine(folder, "int8.onnx"), x);
            Assert.Equal(MachineFloor.M * MachineFloor.N, fp32.Length);

            // Compare a few output entries with a plain dot product over the weights the graphs were written with.
            float[] wFloat = MachineFloor.Weights(integers: false);
            float[] wInt8 = MachineFloor.Weights(integers: true);
            foreach (var (row, col) in new[] { (0, 0), (576, 3071), (100, 1234) })
            {
                double expected = 0, expectedInt8 = 0;
                for (int k = 0; k < MachineFloor.K; k++)
                {
                    expected += x[(row * MachineFloor.K) + k] * wFloat[(k * MachineFloor.N) + col];
                    expectedInt8 += x[(row * MachineFloor.K) + k] * wInt8[(k * MachineFloor.N) + col] / 127.0;
                }

                Assert.Equal(expected, fp32[(row * MachineFloor.N) + col], 1e-3);
                Assert.Equal(expectedInt8, int8[(row * MachineFloor.N) + col], 0.05 * Math.Max(1, Math.Abs(expectedInt8)) + 0.5);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void FloorMeasure_OneThread_GivesFiniteRatesForBothPrecisionsAndTheMemoryBandwidth()
    {
        var measured = MachineFloor.Measure([1], runs: 2, warmup: 0, CancellationToken.None);

        Assert.Equal(["fp32", "int8", "memory"], measured.Select(m => m.Precision));
        Assert.All(measured, m => Assert.True(double.IsFinite(m.GmacPerSecond) && m.GmacPerSecond > 0 && m.MedianMs > 0 && m.P90Ms >= m.MedianMs));
        var memory = measured.Single(m => m.Precision == "memory");
        Assert.Equal(MachineFloor.StreamBytes / (memory.MedianMs / 1000.0) / 1e9, memory.GBPerSecond!.Value, 1e-6);
        Assert.All(measured.Where(m => m.Precision != "memory"), m => Assert.Null(m.GBPerSecond));
    }

    [Fact]
    public void FloorGraphs_MemoryProductComputesOneRowTimesTheWideMatrix()
    {
        string folder = Directory.CreateTempSubdirectory("blip-floor-test-").FullName;
        try
        {
            var x = new float[MachineFloor.K];
            x[3] = 1f;
            x[700] = -2f;
            MachineFloor.WriteGraph("memory", Path.Combine(folder, "memory.onnx"));
            using var options = new SessionOptions { IntraOpNumThreads = 1 };
            using var session = new InferenceSession(Path.Combine(folder, "memory.onnx"), options);
            using var input = OrtValue.CreateTensorValueFromMemory(x, [1, MachineFloor.K]);
            using var outputs = session.Run(new RunOptions(), ["x"], [input], ["y"]);
            var y = outputs[0].GetTensorDataAsSpan<float>();

            Assert.Equal(MachineFloor.StreamColumns, y.Length);
            Assert.Equal(94_371_840, MachineFloor.StreamBytes);
            float[] w = new float[2];
            var random = new Random(1234); // the weights' seed: row 3 and row 700 of [K, StreamColumns], column 0
            for (int i = 0; i <= 700 * MachineFloor.StreamColumns; i++)
            {
                float value = (float)((random.NextDouble() * 0.2) - 0.1);
                if (i == 3 * MachineFloor.StreamColumns) { w[0] = value; }
                if (i == 700 * MachineFloor.StreamColumns) { w[1] = value; }
            }

            Assert.Equal(w[0] - (2 * w[1]), y[0], 1e-5);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static float[] Run(string precision, string path, float[] x)
    {
        MachineFloor.WriteGraph(precision, path);
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(path, options);
        using var input = OrtValue.CreateTensorValueFromMemory(x, [MachineFloor.M, MachineFloor.K]);
        using var outputs = session.Run(new RunOptions(), ["x"], [input], ["y"]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }
}

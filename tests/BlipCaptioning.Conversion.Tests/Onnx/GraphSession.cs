using Microsoft.ML.OnnxRuntime;

namespace BlipCaptioning.Conversion.Tests.Onnx;

/// <summary>Runs one ONNX graph in ONNX Runtime on host tensors (tests only).</summary>
internal sealed class GraphSession : IDisposable
{
    private readonly InferenceSession _session;

    public GraphSession(string path)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        _session = new InferenceSession(path, options);
    }

    public InferenceSession Session => _session;

    public Dictionary<string, HostTensor> Run(IReadOnlyDictionary<string, HostTensor> inputs)
    {
        var names = inputs.Keys.ToArray();
        var values = new List<OrtValue>();
        try
        {
            foreach (var name in names)
            {
                var tensor = inputs[name];
                values.Add(tensor.Data switch
                {
                    float[] floats => OrtValue.CreateTensorValueFromMemory(floats, tensor.Shape),
                    long[] longs => OrtValue.CreateTensorValueFromMemory(longs, tensor.Shape),
                    _ => throw new ArgumentException($"Unsupported element type for input {name}."),
                });
            }

            var outputNames = _session.OutputNames.ToArray();
            using var runOptions = new RunOptions();
            using var outputs = _session.Run(runOptions, names, values, outputNames);
            var result = new Dictionary<string, HostTensor>(StringComparer.Ordinal);
            for (var i = 0; i < outputNames.Length; i++)
            {
                var shape = outputs[i].GetTensorTypeAndShape().Shape;
                result[outputNames[i]] = HostTensor.Floats(outputs[i].GetTensorDataAsSpan<float>().ToArray(), shape);
            }

            return result;
        }
        finally
        {
            foreach (var value in values)
            {
                value.Dispose();
            }
        }
    }

    public void Dispose() => _session.Dispose();
}

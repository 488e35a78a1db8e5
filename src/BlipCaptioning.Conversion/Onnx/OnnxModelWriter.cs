using System.Globalization;
using System.Reflection;
using BlipCaptioning.Conversion.Onnx.Protos;
using BlipCaptioning.Model;
using Google.Protobuf;

namespace BlipCaptioning.Conversion.Onnx;

/// <summary>
/// Writes an <see cref="OnnxGraphBuilder"/> as an ONNX model (IR version 8, opset <see cref="BlipModelContract.OpsetVersion"/>).
/// Initializers of at least <see cref="ExternalDataThresholdBytes"/> bytes go, raw little-endian and 4096-byte aligned,
/// into one external data file <c>&lt;graph file&gt;.data</c> beside the graph, referenced by a relative location, so
/// large graphs need no 2 GB protobuf and ONNX Runtime can map the weights directly.
/// </summary>
internal static class OnnxModelWriter
{
    /// <summary>IR version 8 is the one that goes with opset 17.</summary>
    public const long IrVersion = 8;

    public const long ExternalDataThresholdBytes = 1024;

    private const int Alignment = 4096;

    /// <summary>Writes <paramref name="graph"/> to <paramref name="onnxPath"/> and returns the data file's path, or null when every initializer is small.</summary>
    public static string? Write(OnnxGraphBuilder graph, string onnxPath, CancellationToken cancellationToken = default)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("ONNX raw tensor data is little-endian; writing it on a big-endian machine is not supported.");
        }

        graph.Validate();
        var dataFileName = Path.GetFileName(onnxPath) + ".data";
        var dataPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(onnxPath))!, dataFileName);

        var proto = new GraphProto { Name = graph.Name };
        proto.Node.AddRange(graph.Nodes);
        proto.Input.AddRange(graph.Inputs.Select(ToValueInfo));
        proto.Output.AddRange(graph.Outputs.Select(ToValueInfo));

        var anyExternal = false;
        using (var data = new FileStream(dataPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            foreach (var (name, tensor) in graph.Initializers)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var initializer = new TensorProto { Name = name, DataType = (int)tensor.ElementType };
                initializer.Dims.AddRange(tensor.Dims);
                if (tensor.ByteLength >= ExternalDataThresholdBytes)
                {
                    var padding = (Alignment - (data.Position % Alignment)) % Alignment;
                    data.Write(new byte[padding]);
                    var offset = data.Position;
                    tensor.WriteTo(data);
                    initializer.DataLocation = TensorProto.Types.DataLocation.External;
                    initializer.ExternalData.Add(Entry("location", dataFileName));
                    initializer.ExternalData.Add(Entry("offset", offset.ToString(CultureInfo.InvariantCulture)));
                    initializer.ExternalData.Add(Entry("length", tensor.ByteLength.ToString(CultureInfo.InvariantCulture)));
                    anyExternal = true;
                }
                else
                {
                    initializer.RawData = tensor.ToByteString();
                }

                proto.Initializer.Add(initializer);
            }
        }

        if (!anyExternal)
        {
            File.Delete(dataPath);
        }

        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "BlipCaptioning",
            ProducerVersion = typeof(OnnxModelWriter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0",
            Graph = proto,
        };
        // The standard opset always, and every other domain a node uses (com.microsoft for the int8 graphs).
        foreach (var domain in graph.Nodes.Select(node => node.Domain).Append(OnnxDomains.Standard).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = OnnxDomains.OpsetVersion[domain] });
        }

        using (var output = new FileStream(onnxPath, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            model.WriteTo(output);
        }

        return anyExternal ? dataPath : null;
    }

    private static StringStringEntryProto Entry(string key, string value) => new() { Key = key, Value = value };

    private static ValueInfoProto ToValueInfo(OnnxValueInfo value)
    {
        var shape = new TensorShapeProto();
        foreach (var dimension in value.Shape)
        {
            shape.Dim.Add(dimension.Symbol is { } symbol
                ? new TensorShapeProto.Types.Dimension { DimParam = symbol }
                : new TensorShapeProto.Types.Dimension { DimValue = dimension.Size!.Value });
        }

        return new ValueInfoProto
        {
            Name = value.Name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)value.ElementType, Shape = shape } },
        };
    }
}

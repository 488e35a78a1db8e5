using System.Globalization;
using BlipCaptioning.Conversion.Onnx.Protos;

namespace BlipCaptioning.Conversion.Onnx;

/// <summary>
/// Builds one ONNX graph: inputs and outputs with symbolic dimensions, initializers, and nodes whose outputs get
/// unique names. <see cref="OnnxModelWriter"/> writes the result.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    private readonly List<OnnxValueInfo> _inputs = [];
    private readonly List<OnnxValueInfo> _outputs = [];
    private readonly List<KeyValuePair<string, OnnxTensorData>> _initializers = [];
    private readonly List<NodeProto> _nodes = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _sharedConstants = new(StringComparer.Ordinal);
    private readonly Dictionary<float, string> _floatScalars = [];
    private readonly Dictionary<string, int> _nextSuffix = new(StringComparer.Ordinal);

    public OnnxGraphBuilder(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    public string Name { get; }

    public IReadOnlyList<OnnxValueInfo> Inputs => _inputs;

    public IReadOnlyList<OnnxValueInfo> Outputs => _outputs;

    public IReadOnlyList<KeyValuePair<string, OnnxTensorData>> Initializers => _initializers;

    public IReadOnlyList<NodeProto> Nodes => _nodes;

    /// <summary>Declares a graph input with exactly this name and returns the name.</summary>
    public string Input(string name, OnnxElementType elementType, params OnnxDimension[] shape)
    {
        Claim(name);
        _inputs.Add(new OnnxValueInfo(name, elementType, shape));
        return name;
    }

    /// <summary>
    /// Declares a graph output. A node must produce a value of this exact name (pass it as the node's
    /// <c>output</c>), which <see cref="Validate"/> checks.
    /// </summary>
    public void Output(string name, OnnxElementType elementType, params OnnxDimension[] shape)
    {
        if (_outputs.Any(output => output.Name == name))
        {
            throw new InvalidOperationException($"The graph '{Name}' already has an output named '{name}'.");
        }

        _outputs.Add(new OnnxValueInfo(name, elementType, shape));
    }

    /// <summary>Adds an initializer under a unique name made from <paramref name="nameHint"/>.</summary>
    public string Initializer(string nameHint, OnnxTensorData data)
    {
        var name = UniqueName(nameHint);
        _initializers.Add(new(name, data));
        return name;
    }

    /// <summary>A 1-D int64 constant (shared between nodes that use the same values).</summary>
    public string Int64s(params long[] values) =>
        SharedConstant("v:" + string.Join(',', values), "const_i64", () => OnnxTensorData.Int64s(values, values.Length));

    /// <summary>A 0-D int64 constant.</summary>
    public string Int64Scalar(long value) =>
        SharedConstant("s:" + value.ToString(CultureInfo.InvariantCulture), "const_i64_scalar", () => OnnxTensorData.Int64s([value]));

    /// <summary>A 1-D uint8 constant (shared between nodes that use the same values).</summary>
    public string UInt8s(params byte[] values) =>
        SharedConstant("u8:" + string.Join(',', values), "const_u8", () => OnnxTensorData.UInt8s(values, values.Length));

    /// <summary>A 0-D uint8 constant (shared between nodes that use the same value).</summary>
    public string UInt8Scalar(byte value) =>
        SharedConstant("u8s:" + value.ToString(CultureInfo.InvariantCulture), "const_u8_scalar", () => OnnxTensorData.UInt8s([value]));

    /// <summary>A 0-D float32 constant.</summary>
    public string FloatScalar(float value)
    {
        if (!_floatScalars.TryGetValue(value, out var name))
        {
            name = Initializer("const_f32", OnnxTensorData.Floats([value]));
            _floatScalars[value] = name;
        }

        return name;
    }

    /// <summary>The initializer stored under <paramref name="key"/>, added the first time it is asked for.</summary>
    private string SharedConstant(string key, string nameHint, Func<OnnxTensorData> data)
    {
        if (!_sharedConstants.TryGetValue(key, out var name))
        {
            name = Initializer(nameHint, data());
            _sharedConstants[key] = name;
        }

        return name;
    }

    /// <summary>Adds a node with one output and returns the output's name (<paramref name="output"/> when given).</summary>
    /// <param name="opType">The operator.</param>
    /// <param name="inputs">Input names; an empty string skips an optional input.</param>
    /// <param name="attributes">The node's attributes.</param>
    /// <param name="output">The output's name, or null for a unique generated one.</param>
    /// <param name="domain">The operator's domain: "" for standard ONNX, <see cref="OnnxDomains.Microsoft"/> for ONNX Runtime's contrib operators.</param>
    public string Node(string opType, IReadOnlyList<string> inputs, IReadOnlyList<AttributeProto>? attributes = null, string? output = null, string domain = OnnxDomains.Standard) =>
        Node(opType, inputs, 1, attributes, output is null ? null : [output], domain)[0];

    /// <summary>Adds a node with several outputs and returns their names; a null entry of <paramref name="outputs"/> gets a generated name.</summary>
    public IReadOnlyList<string> Node(string opType, IReadOnlyList<string> inputs, int outputCount, IReadOnlyList<AttributeProto>? attributes = null, IReadOnlyList<string?>? outputs = null,
        string domain = OnnxDomains.Standard)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(outputCount, 1);
        if (!OnnxDomains.OpsetVersion.ContainsKey(domain))
        {
            throw new ArgumentException($"The operator domain '{domain}' is not one this project writes.", nameof(domain));
        }

        var node = new NodeProto { OpType = opType, Name = UniqueName("n_" + opType), Domain = domain };
        node.Input.AddRange(inputs);
        if (outputs is not null)
        {
            if (outputs.Count != outputCount)
            {
                throw new ArgumentException($"{outputCount} output names expected, {outputs.Count} given.", nameof(outputs));
            }

            foreach (var name in outputs)
            {
                if (name is null)
                {
                    node.Output.Add(UniqueName(opType));
                    continue;
                }

                Claim(name);
                node.Output.Add(name);
            }
        }
        else
        {
            for (var i = 0; i < outputCount; i++)
            {
                node.Output.Add(UniqueName(opType));
            }
        }

        if (attributes is not null)
        {
            node.Attribute.AddRange(attributes);
        }

        _nodes.Add(node);
        return node.Output;
    }

    /// <summary>
    /// Checks that every node input is defined before use and that every declared output is produced.
    /// </summary>
    public void Validate()
    {
        var defined = new HashSet<string>(_inputs.Select(input => input.Name), StringComparer.Ordinal);
        defined.UnionWith(_initializers.Select(initializer => initializer.Key));
        foreach (var node in _nodes)
        {
            foreach (var input in node.Input)
            {
                if (input.Length > 0 && !defined.Contains(input))
                {
                    throw new InvalidOperationException($"Graph '{Name}': node {node.Name} ({node.OpType}) reads '{input}' before anything defines it.");
                }
            }

            defined.UnionWith(node.Output);
        }

        foreach (var output in _outputs)
        {
            if (!defined.Contains(output.Name))
            {
                throw new InvalidOperationException($"Graph '{Name}': no node produces the declared output '{output.Name}'.");
            }
        }
    }

    private void Claim(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!_names.Add(name))
        {
            throw new InvalidOperationException($"The graph '{Name}' already has a value named '{name}'.");
        }
    }

    private string UniqueName(string hint)
    {
        if (_names.Add(hint))
        {
            return hint;
        }

        for (var i = _nextSuffix.GetValueOrDefault(hint, 1); ; i++)
        {
            var candidate = string.Create(CultureInfo.InvariantCulture, $"{hint}_{i}");
            if (_names.Add(candidate))
            {
                _nextSuffix[hint] = i + 1;
                return candidate;
            }
        }
    }
}

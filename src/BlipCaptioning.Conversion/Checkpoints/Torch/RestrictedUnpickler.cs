using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace BlipCaptioning.Conversion.Checkpoints.Torch;

/// <summary>
/// A restricted unpickler for the <c>data.pkl</c> of a torch.save zip file. It interprets the pickle opcodes a state
/// dict uses as plain data: no Python object is ever constructed and no code can run. A GLOBAL outside the short
/// allow-list of a state dict (OrderedDict, the tensor rebuild functions and the storage types) is refused the
/// moment it is read, with the global named, so a malicious pickle is rejected rather than skipped.
/// </summary>
/// <remarks>
/// Budgets: tuples nest at most <see cref="MaxDepth"/> deep (a state dict needs 2) and at most
/// <see cref="MaxObjects"/> values are made or stored (a state dict needs a few dozen per tensor), so no pickle can
/// exhaust the stack or memory; error messages describe values to a bounded depth and length.
/// </remarks>
internal sealed class RestrictedUnpickler
{
    /// <summary>How deep tuples may nest.</summary>
    public const int MaxDepth = 32;

    /// <summary>How many values a pickle may push, store in a container or memoize, all together.</summary>
    public const int MaxObjects = 1_000_000;

    private const int DescribedDepth = 2;
    private const int DescribedItems = 6;
    private const int DescribedTextLength = 80;

    private static readonly Dictionary<string, TorchStorageType> StorageTypes = new(StringComparer.Ordinal)
    {
        ["torch.FloatStorage"] = TorchStorageType.Float,
        ["torch.HalfStorage"] = TorchStorageType.Half,
        ["torch.BFloat16Storage"] = TorchStorageType.BFloat16,
        ["torch.LongStorage"] = TorchStorageType.Long,
    };

    private static readonly HashSet<string> AllowedGlobals = new(StringComparer.Ordinal)
    {
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter",
        "torch.FloatStorage",
        "torch.HalfStorage",
        "torch.BFloat16Storage",
        "torch.LongStorage",
    };

    private static readonly object Mark = new();

    private readonly byte[] _data;
    private readonly string _source;
    private readonly List<object?> _stack = [];
    private readonly List<int> _marks = [];
    private readonly Dictionary<long, object?> _memo = [];
    private readonly Dictionary<object?[], int> _tupleDepths = new(ReferenceEqualityComparer.Instance);
    private int _position;
    private int _objects;

    private RestrictedUnpickler(byte[] data, string source)
    {
        _data = data;
        _source = source;
    }

    /// <summary>The globals a state dict needs; any other global is refused.</summary>
    public static IReadOnlyCollection<string> Allowed => AllowedGlobals;

    /// <summary>Interprets <paramref name="data"/> and returns the pickled value (a state dict is a <see cref="PickleDictionary"/>).</summary>
    public static object? Load(byte[] data, string source) => new RestrictedUnpickler(data, source).Run();

    private object? Run()
    {
        while (true)
        {
            var offset = _position;
            var opcode = ReadByte();
            switch (opcode)
            {
                case 0x80: // PROTO
                    var protocol = ReadByte();
                    if (protocol > 5)
                    {
                        throw Error(offset, $"uses pickle protocol {protocol}, which does not exist");
                    }

                    break;
                case 0x95: // FRAME (protocol 4): a length hint only
                    Skip(8);
                    break;
                case (byte)'.': // STOP
                    if (_stack.Count != 1 || _marks.Count != 0)
                    {
                        throw Error(offset, "ends with an unbalanced stack");
                    }

                    return _stack[0];
                case (byte)'(': // MARK
                    Count(1, offset);
                    _marks.Add(_stack.Count);
                    _stack.Add(Mark);
                    break;
                case (byte)'N': Push(null); break;
                case 0x88: Push(true); break; // NEWTRUE
                case 0x89: Push(false); break; // NEWFALSE
                case (byte)'K': Push((long)ReadByte()); break; // BININT1
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break; // BININT2
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break; // BININT
                case 0x8a: Push(ReadLong(ReadByte(), offset)); break; // LONG1
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break; // BINFLOAT
                case (byte)'X': Push(ReadString(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)), offset)); break; // BINUNICODE
                case 0x8c: Push(ReadString(ReadByte(), offset)); break; // SHORT_BINUNICODE
                case (byte)'U': Push(ReadString(ReadByte(), offset)); break; // SHORT_BINSTRING (protocol 1/2 str)
                case (byte)'T': Push(ReadString(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)), offset)); break; // BINSTRING
                case (byte)'}': Push(new PickleDictionary()); break; // EMPTY_DICT
                case (byte)']': Push(new PickleList()); break; // EMPTY_LIST
                case (byte)')': Push(Array.Empty<object?>()); break; // EMPTY_TUPLE
                case (byte)'t': PushTuple(PopToMark(offset).ToArray(), offset); break; // TUPLE
                case 0x85: PushTuple([Pop(offset)], offset); break; // TUPLE1
                case 0x86: // TUPLE2
                    {
                        var second = Pop(offset);
                        var first = Pop(offset);
                        PushTuple([first, second], offset);
                        break;
                    }

                case 0x87: // TUPLE3
                    {
                        var third = Pop(offset);
                        var second = Pop(offset);
                        var first = Pop(offset);
                        PushTuple([first, second, third], offset);
                        break;
                    }

                case (byte)'q': Memoize(ReadByte(), offset); break; // BINPUT
                case (byte)'r': Memoize(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)), offset); break; // LONG_BINPUT
                case 0x94: Memoize(_memo.Count, offset); break; // MEMOIZE
                case (byte)'h': Push(FromMemo(ReadByte(), offset)); break; // BINGET
                case (byte)'j': Push(FromMemo(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)), offset)); break; // LONG_BINGET
                case (byte)'0': Pop(offset); break; // POP
                case (byte)'1': PopToMark(offset); break; // POP_MARK
                case (byte)'2': Push(Peek(offset)); break; // DUP
                case (byte)'c': // GLOBAL module\nname\n
                    Push(Global(ReadLine(offset), ReadLine(offset), offset));
                    break;
                case 0x93: // STACK_GLOBAL
                    {
                        var name = Pop(offset) as string ?? throw Error(offset, "has a STACK_GLOBAL whose name is not a string");
                        var module = Pop(offset) as string ?? throw Error(offset, "has a STACK_GLOBAL whose module is not a string");
                        Push(Global(module, name, offset));
                        break;
                    }

                case (byte)'Q': Push(PersistentLoad(Pop(offset), offset)); break; // BINPERSID
                case (byte)'R': // REDUCE
                    {
                        var arguments = Pop(offset) as object?[] ?? throw Error(offset, "has a REDUCE whose arguments are not a tuple");
                        var callable = Pop(offset);
                        Push(Reduce(callable, arguments, offset));
                        break;
                    }

                case (byte)'b': // BUILD
                    {
                        Pop(offset);
                        if (Peek(offset) is not PickleDictionary)
                        {
                            throw Error(offset, $"sets state on {Describe(Peek(offset))}; only a state dict's OrderedDict may carry state");
                        }

                        break;
                    }

                case (byte)'s': // SETITEM
                    {
                        var value = Pop(offset);
                        var key = Pop(offset);
                        Count(1, offset);
                        AsDictionary(Peek(offset), offset).Items.Add(new(key, value));
                        break;
                    }

                case (byte)'u': // SETITEMS
                    {
                        var items = PopToMark(offset);
                        if (items.Count % 2 != 0)
                        {
                            throw Error(offset, "has a SETITEMS with an odd number of items");
                        }

                        var dictionary = AsDictionary(Peek(offset), offset);
                        Count(items.Count / 2, offset);
                        for (var index = 0; index < items.Count; index += 2)
                        {
                            dictionary.Items.Add(new(items[index], items[index + 1]));
                        }

                        break;
                    }

                case (byte)'a': // APPEND
                    {
                        var value = Pop(offset);
                        Count(1, offset);
                        AsList(Peek(offset), offset).Items.Add(value);
                        break;
                    }

                case (byte)'e': // APPENDS
                    {
                        var items = PopToMark(offset);
                        Count(items.Count, offset);
                        AsList(Peek(offset), offset).Items.AddRange(items);
                        break;
                    }

                default:
                    throw Error(offset, string.Create(CultureInfo.InvariantCulture,
                        $"uses the pickle opcode 0x{opcode:x2} ('{(opcode is >= 32 and < 127 ? (char)opcode : '?')}'), which a torch state dict never needs; it is refused"));
            }
        }
    }

    private PickleGlobal Global(string module, string name, int offset)
    {
        var fullName = $"{module}.{name}";
        if (!AllowedGlobals.Contains(fullName))
        {
            throw new CheckpointFormatException(
                $"{_source}: refusing the pickle global '{fullName}' (at byte {offset}). A state dict only needs {string.Join(", ", AllowedGlobals)}; "
                + "this file may try to run code when loaded by Python. Do not load it with torch.load; get the checkpoint from a trusted source or as model.safetensors.");
        }

        return new PickleGlobal(module, name);
    }

    private TorchStorageReference PersistentLoad(object? persistentId, int offset)
    {
        if (persistentId is not object?[] { Length: 5 } id || id[0] as string != "storage")
        {
            throw Error(offset, $"has a persistent id {Describe(persistentId)}; torch storages are ('storage', type, key, location, numel)");
        }

        if (id[1] is not PickleGlobal storageGlobal || !StorageTypes.TryGetValue(storageGlobal.FullName, out var type))
        {
            throw Error(offset, $"names a storage of type {Describe(id[1])}; only Float, Half, BFloat16 and Long storages are supported");
        }

        if (id[2] is not string key || id[3] is not string location || id[4] is not long count || count < 0)
        {
            throw Error(offset, $"has a malformed storage persistent id {Describe(persistentId)}");
        }

        return new TorchStorageReference(type, key, location, count);
    }

    private object Reduce(object? callable, object?[] arguments, int offset)
    {
        var name = (callable as PickleGlobal)?.FullName ?? throw Error(offset, $"calls {Describe(callable)}, which is not an allowed global");
        switch (name)
        {
            case "collections.OrderedDict":
                return arguments.Length == 0
                    ? new PickleDictionary()
                    : throw Error(offset, "builds an OrderedDict with arguments; a state dict's is built empty");
            case "torch._utils._rebuild_tensor_v2":
                if (arguments.Length < 4 || arguments[0] is not TorchStorageReference storage || arguments[1] is not long storageOffset
                    || arguments[2] is not object?[] size || arguments[3] is not object?[] stride || size.Length != stride.Length)
                {
                    throw Error(offset, "calls _rebuild_tensor_v2 with arguments other than (storage, offset, size, stride, ...)");
                }

                return new TorchTensorReference(storage, storageOffset, ToLongs(size, "size", offset), ToLongs(stride, "stride", offset));
            case "torch._utils._rebuild_parameter":
                return arguments.Length >= 1 && arguments[0] is TorchTensorReference tensor
                    ? tensor
                    : throw Error(offset, "calls _rebuild_parameter without a tensor");
            default:
                throw Error(offset, $"calls {name}, which may only appear inside a storage's persistent id");
        }
    }

    private long[] ToLongs(object?[] values, string what, int offset) =>
        values.Select(value => value switch
        {
            long number and >= 0 => number,
            long number => throw Error(offset, $"has a negative tensor {what} {number} in {Describe(values)}"),
            _ => throw Error(offset, $"has a tensor {what} {Describe(value)} that is not an integer, in {Describe(values)}"),
        }).ToArray();

    private long ReadLong(int length, int offset)
    {
        var bytes = Take(length);
        var value = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        return value >= long.MinValue && value <= long.MaxValue
            ? (long)value
            : throw Error(offset, "holds an integer too large for 64 bits");
    }

    private string ReadString(uint length, int offset)
    {
        if (length > _data.Length - _position)
        {
            throw Error(offset, $"declares a {length}-byte string past the end of the pickle");
        }

        return Encoding.UTF8.GetString(Take((int)length));
    }

    private string ReadLine(int offset)
    {
        var end = Array.IndexOf(_data, (byte)'\n', _position);
        if (end < 0)
        {
            throw Error(offset, "has a GLOBAL without its newline");
        }

        var text = Encoding.UTF8.GetString(_data, _position, end - _position);
        _position = end + 1;
        return text;
    }

    private object? FromMemo(long index, int offset) =>
        _memo.TryGetValue(index, out var value) ? value : throw Error(offset, $"reads memo slot {index}, which was never written");

    private PickleDictionary AsDictionary(object? value, int offset) =>
        value as PickleDictionary ?? throw Error(offset, $"sets items on {Describe(value)}, not a dict");

    private PickleList AsList(object? value, int offset) =>
        value as PickleList ?? throw Error(offset, $"appends to {Describe(value)}, not a list");

    private void Push(object? value)
    {
        Count(1, _position);
        _stack.Add(value);
    }

    /// <summary>Pushes a tuple, refusing one nested deeper than <see cref="MaxDepth"/>.</summary>
    private void PushTuple(object?[] tuple, int offset)
    {
        // Only tuples that hold tuples are recorded; any other tuple is 1 deep.
        var depth = 1;
        foreach (var item in tuple)
        {
            if (item is object?[] inner)
            {
                depth = Math.Max(depth, (_tupleDepths.TryGetValue(inner, out var innerDepth) ? innerDepth : 1) + 1);
            }
        }

        if (depth > MaxDepth)
        {
            throw Error(offset, $"nests tuples more than {MaxDepth} deep; a state dict nests them 2 deep");
        }

        if (depth > 1)
        {
            _tupleDepths[tuple] = depth;
        }

        Push(tuple);
    }

    private void Memoize(long index, int offset)
    {
        Count(1, offset);
        _memo[index] = Peek(offset);
    }

    private void Count(int objects, int offset)
    {
        _objects += objects;
        if (_objects > MaxObjects)
        {
            throw Error(offset, $"makes more than {MaxObjects:N0} values; a state dict needs a few dozen per tensor");
        }
    }

    private object? Pop(int offset)
    {
        if (_stack.Count == 0 || (_marks.Count > 0 && _marks[^1] == _stack.Count - 1))
        {
            throw Error(offset, "pops from an empty stack");
        }

        var value = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    private object? Peek(int offset) =>
        _stack.Count > 0 && !ReferenceEquals(_stack[^1], Mark) ? _stack[^1] : throw Error(offset, "reads from an empty stack");

    private List<object?> PopToMark(int offset)
    {
        if (_marks.Count == 0)
        {
            throw Error(offset, "closes a MARK that was never opened");
        }

        var mark = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        var items = _stack.GetRange(mark + 1, _stack.Count - mark - 1);
        _stack.RemoveRange(mark, _stack.Count - mark);
        return items;
    }

    private byte ReadByte()
    {
        if (_position >= _data.Length)
        {
            throw Error(_position, "ends before its STOP opcode (truncated)");
        }

        return _data[_position++];
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > _data.Length - _position)
        {
            throw Error(_position, "ends in the middle of an opcode (truncated)");
        }

        var span = _data.AsSpan(_position, count);
        _position += count;
        return span;
    }

    private void Skip(int count) => Take(count);

    private CheckpointFormatException Error(int offset, string problem) =>
        new($"{_source}: the pickle {problem} (at byte {offset}).");

    /// <summary>A short description of a value for error messages: numbers and text as they are, tuples to a bounded depth and length.</summary>
    private static string Describe(object? value) => Describe(value, DescribedDepth);

    private static string Describe(object? value, int depth) => value switch
    {
        null => "None",
        string text => text.Length <= DescribedTextLength ? $"'{text}'" : $"'{text[..DescribedTextLength]}...' ({text.Length} characters)",
        long number => number.ToString(CultureInfo.InvariantCulture),
        double number => number.ToString("R", CultureInfo.InvariantCulture),
        bool flag => flag ? "True" : "False",
        PickleGlobal global => global.FullName,
        object?[] { Length: 0 } => "()",
        object?[] tuple when depth == 0 => $"a tuple of {tuple.Length}",
        object?[] tuple => "(" + string.Join(", ", tuple.Take(DescribedItems).Select(item => Describe(item, depth - 1)))
            + (tuple.Length > DescribedItems ? $", ... {tuple.Length} items" : "") + ")",
        _ when ReferenceEquals(value, Mark) => "a MARK",
        PickleDictionary => "a dict",
        PickleList => "a list",
        TorchStorageReference => "a storage",
        TorchTensorReference => "a tensor",
        _ => value.GetType().Name,
    };
}

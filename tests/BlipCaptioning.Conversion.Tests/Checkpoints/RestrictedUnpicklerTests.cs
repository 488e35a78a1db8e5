using BlipCaptioning.Conversion.Checkpoints;
using BlipCaptioning.Testing;

namespace BlipCaptioning.Conversion.Tests.Checkpoints;

public sealed class RestrictedUnpicklerTests
{
    [Fact]
    public void Allowed_IsExactlyTheGlobalsAStateDictNeeds()
    {
        Assert.Equal(
            ["collections.OrderedDict", "torch.BFloat16Storage", "torch.FloatStorage", "torch.HalfStorage", "torch.LongStorage", "torch._utils._rebuild_parameter", "torch._utils._rebuild_tensor_v2"],
            BlipCaptioning.Conversion.Checkpoints.Torch.RestrictedUnpickler.Allowed.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Read_ParameterWrappedTensor_IsReadAsItsTensor()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("pytorch_model.bin");
        var pickle = new HandmadePickle().StartStateDict()
            .Text("p").Global("torch._utils", "_rebuild_parameter").Op('(')
            .Global("torch._utils", "_rebuild_tensor_v2").Op('(')
            .Op('(').Text("storage").Global("torch", "BFloat16Storage").Text("0").Text("cpu").Int(2).Op('t').Op('Q')
            .Int(0).IntTuple(2).IntTuple(1).Op(0x89).Global("collections", "OrderedDict").Op(')').Op('R').Op('t').Op('R')
            .Op(0x88).Global("collections", "OrderedDict").Op(')').Op('R').Op('t').Op('R')
            .EndStateDict().ToArray();
        HandmadePickle.WriteTorchZip(path, pickle, new Dictionary<string, byte[]> { ["0"] = [0x80, 0x3f, 0x50, 0xc0] });

        var state = TorchCheckpointReader.Read(path);

        Assert.Equal([1f, -3.25f], state.FloatTensors["p"].Data);
    }

    [Theory]
    [InlineData("os", "system")]
    [InlineData("posix", "system")]
    [InlineData("builtins", "eval")]
    [InlineData("builtins", "exec")]
    [InlineData("subprocess", "Popen")]
    [InlineData("torch", "load")]
    public void Read_PickleCallingAForbiddenGlobal_IsRefusedNamingTheGlobal(string module, string name)
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("pytorch_model.bin");
        var pickle = new HandmadePickle().Global(module, name).Text("echo pwned").Op(0x85).Op('R').Op('.').ToArray();
        HandmadePickle.WriteTorchZip(path, pickle);

        var error = Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(path));

        Assert.Contains($"refusing the pickle global '{module}.{name}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ForbiddenGlobalHiddenAfterValidTensors_IsRefused()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("pytorch_model.bin");
        var pickle = new HandmadePickle().StartStateDict()
            .Tensor("ok", "FloatStorage", "0", 2, 0, [2], [1])
            .Text("evil").Global("builtins", "eval").Text("__import__('os').system('id')").Op(0x85).Op('R')
            .EndStateDict().ToArray();
        HandmadePickle.WriteTorchZip(path, pickle, new Dictionary<string, byte[]> { ["0"] = HandmadePickle.Floats(1, 2) });

        var error = Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(path));

        Assert.Contains("'builtins.eval'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_StackGlobalToForbiddenFunction_IsRefused()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("pytorch_model.bin");
        var pickle = new HandmadePickle().Text("os").Text("system").Op(0x93).Text("id").Op(0x85).Op('R').Op('.').ToArray();
        HandmadePickle.WriteTorchZip(path, pickle);

        var error = Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(path));

        Assert.Contains("'os.system'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData('i')] // INST
    [InlineData('o')] // OBJ
    [InlineData((char)0x81)] // NEWOBJ
    [InlineData('P')] // PERSID (text)
    public void Read_ObjectBuildingOpcode_IsRefused(char opcode)
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("pytorch_model.bin");
        HandmadePickle.WriteTorchZip(path, new HandmadePickle().Op('(').Op(opcode).Op('.').ToArray());

        var error = Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(path));

        Assert.Contains($"opcode 0x{(int)opcode:x2}", error.Message, StringComparison.Ordinal);
        Assert.Contains("refused", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_StorageTypeCalledDirectly_IsRefused()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("pytorch_model.bin");
        HandmadePickle.WriteTorchZip(path, new HandmadePickle().Global("torch", "FloatStorage").Op(')').Op('R').Op('.').ToArray());

        var error = Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(path));

        Assert.Contains("torch.FloatStorage", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_UnsupportedStorageType_IsRefusedByName()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("pytorch_model.bin");
        var pickle = new HandmadePickle().StartStateDict().Tensor("w", "DoubleStorage", "0", 1, 0, [1], [1]).EndStateDict().ToArray();
        HandmadePickle.WriteTorchZip(path, pickle, new Dictionary<string, byte[]> { ["0"] = new byte[8] });

        var error = Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(path));

        Assert.Contains("'torch.DoubleStorage'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_WholeModelPickle_AsksForAStateDict()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("pytorch_model.bin");
        HandmadePickle.WriteTorchZip(path, new HandmadePickle().Op(']').Op('.').ToArray());

        var error = Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(path));

        Assert.Contains("state_dict()", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TruncatedPickle_IsRefused()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("pytorch_model.bin");
        var pickle = new HandmadePickle().StartStateDict().Tensor("w", "FloatStorage", "0", 1, 0, [1], [1]).ToArray();
        HandmadePickle.WriteTorchZip(path, pickle[..^4], new Dictionary<string, byte[]> { ["0"] = new byte[4] });

        var error = Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(path));

        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_OffsetAndStridedViewsOfASharedStorage_AreResolvedRowMajor()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("pytorch_model.bin");
        var pickle = new HandmadePickle().StartStateDict()
            .Tensor("whole", "FloatStorage", "0", 6, 0, [2, 3], [3, 1])
            .Tensor("transposed", "FloatStorage", "0", 6, 0, [3, 2], [1, 3])
            .Tensor("tail", "FloatStorage", "0", 6, 4, [2], [1])
            .Tensor("position_ids", "LongStorage", "1", 3, 0, [1, 3], [3, 1])
            .Tensor("half", "HalfStorage", "2", 2, 1, [1], [1])
            .EndStateDict().ToArray();
        HandmadePickle.WriteTorchZip(path, pickle, new Dictionary<string, byte[]>
        {
            ["0"] = HandmadePickle.Floats(0, 1, 2, 3, 4, 5),
            ["1"] = HandmadePickle.Longs(0, 1, 2),
            ["2"] = [.. BitConverter.GetBytes((Half)7.5f), .. BitConverter.GetBytes((Half)(-0.25f))],
        });

        var state = TorchCheckpointReader.Read(path);

        Assert.Equal(["whole", "transposed", "tail", "position_ids", "half"], state.Names);
        Assert.Equal([0f, 1, 2, 3, 4, 5], state.FloatTensors["whole"].Data);
        Assert.Equal([3, 2], state.FloatTensors["transposed"].Shape);
        Assert.Equal([0f, 3, 1, 4, 2, 5], state.FloatTensors["transposed"].Data);
        Assert.Equal([4f, 5], state.FloatTensors["tail"].Data);
        Assert.Equal([-0.25f], state.FloatTensors["half"].Data);
        Assert.Equal([0L, 1, 2], state.IntegerTensors["position_ids"].Data);
        Assert.False(state.FloatTensors.ContainsKey("position_ids"));
        Assert.NotSame(state.FloatTensors["whole"].Data, state.FloatTensors["transposed"].Data);
    }

    [Fact]
    public void Read_ViewPastTheEndOfItsStorage_IsRefused()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("pytorch_model.bin");
        var pickle = new HandmadePickle().StartStateDict().Tensor("w", "FloatStorage", "0", 4, 2, [3], [1]).EndStateDict().ToArray();
        HandmadePickle.WriteTorchZip(path, pickle, new Dictionary<string, byte[]> { ["0"] = HandmadePickle.Floats(1, 2, 3, 4) });

        var error = Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(path));

        Assert.Contains("'w' reads past the end of its storage", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MissingStorageRecord_NamesTheTensor()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("pytorch_model.bin");
        var pickle = new HandmadePickle().StartStateDict().Tensor("w", "FloatStorage", "7", 1, 0, [1], [1]).EndStateDict().ToArray();
        HandmadePickle.WriteTorchZip(path, pickle);

        var error = Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(path));

        Assert.Contains("'archive/data/7' of tensor 'w' is missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_HugeStrideThatWouldOverflow_IsRefusedNotCrashing()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("pytorch_model.bin");
        var pickle = new HandmadePickle().StartStateDict().Tensor("w", "FloatStorage", "0", 4, 0, [2, 2], [int.MaxValue, int.MaxValue]).EndStateDict().ToArray();
        HandmadePickle.WriteTorchZip(path, pickle, new Dictionary<string, byte[]> { ["0"] = HandmadePickle.Floats(1, 2, 3, 4) });

        var error = Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(path));

        Assert.Contains("reads past the end of its storage", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ShapeTooLargeToLoad_IsRefused()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("pytorch_model.bin");
        var pickle = new HandmadePickle().StartStateDict().Tensor("w", "FloatStorage", "0", 4, 0, [65536, 65536, 65536], [0, 0, 0]).EndStateDict().ToArray();
        HandmadePickle.WriteTorchZip(path, pickle, new Dictionary<string, byte[]> { ["0"] = HandmadePickle.Floats(1, 2, 3, 4) });

        var error = Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(path));

        Assert.Contains("too large to load", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_AMillionNestedTuples_IsRefusedAtTheDepthLimitNotOverflowingTheStack()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("pytorch_model.bin");
        var pickle = new HandmadePickle().Int(1);
        for (var i = 0; i < 1_000_000; i++)
        {
            pickle.Op(0x85); // TUPLE1
        }

        HandmadePickle.WriteTorchZip(path, pickle.Op('Q').Op('.').ToArray());

        var error = Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(path));

        Assert.Contains("nests tuples more than 32 deep", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData('Q')] // BINPERSID: the persistent id is described in the error
    [InlineData('b')] // BUILD: the object given state is described in the error
    public void Read_TupleSharedThirtyLevelsDeep_IsDescribedBrieflyNotExpandedToABillionLeaves(char opcode)
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("pytorch_model.bin");
        var pickle = new HandmadePickle().Int(1);
        for (var i = 0; i < 30; i++)
        {
            pickle.Op('2').Op(0x86); // DUP, TUPLE2: (t, t), 2^30 leaves if expanded
        }

        if (opcode == 'b')
        {
            pickle.Op('N');
        }

        HandmadePickle.WriteTorchZip(path, pickle.Op((byte)opcode).Op('.').ToArray());

        var error = Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(path));

        Assert.True(error.Message.Length < 600, error.Message);
        Assert.Contains("((a tuple of 2, a tuple of 2), (a tuple of 2, a tuple of 2))", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MoreValuesThanTheBudget_IsRefused()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("pytorch_model.bin");
        var pickle = new HandmadePickle();
        for (var i = 0; i <= 1_000_000; i++)
        {
            pickle.Op('N');
        }

        HandmadePickle.WriteTorchZip(path, pickle.Op('.').ToArray());

        var error = Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(path));

        Assert.Contains("makes more than 1,000,000 values", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NegativeStride_NamesTheValue()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("pytorch_model.bin");
        var pickle = new HandmadePickle().StartStateDict().Tensor("w", "FloatStorage", "0", 4, 0, [2, 2], [2, -3]).EndStateDict().ToArray();
        HandmadePickle.WriteTorchZip(path, pickle, new Dictionary<string, byte[]> { ["0"] = HandmadePickle.Floats(1, 2, 3, 4) });

        var error = Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(path));

        Assert.Contains("has a negative tensor stride -3 in (2, -3)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_SizeThatIsNotAnInteger_NamesTheValue()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("pytorch_model.bin");
        var pickle = new HandmadePickle().StartStateDict()
            .Text("w").Global("torch._utils", "_rebuild_tensor_v2").Op('(')
            .Op('(').Text("storage").Global("torch", "FloatStorage").Text("0").Text("cpu").Int(1).Op('t').Op('Q')
            .Int(0).Op('(').Text("two").Op('t').IntTuple(1).Op(0x89).Global("collections", "OrderedDict").Op(')').Op('R').Op('t').Op('R')
            .EndStateDict().ToArray();
        HandmadePickle.WriteTorchZip(path, pickle, new Dictionary<string, byte[]> { ["0"] = HandmadePickle.Floats(1) });

        var error = Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(path));

        Assert.Contains("has a tensor size 'two' that is not an integer", error.Message, StringComparison.Ordinal);
    }
}

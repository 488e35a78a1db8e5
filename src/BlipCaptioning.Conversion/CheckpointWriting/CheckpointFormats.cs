namespace BlipCaptioning.Conversion.CheckpointWriting;

/// <summary>Which weight files a checkpoint writer produces.</summary>
[Flags]
public enum CheckpointFormats
{
    /// <summary>model.safetensors.</summary>
    Safetensors = 1,

    /// <summary>pytorch_model.bin (torch.save's zip format).</summary>
    TorchBin = 2,

    /// <summary>Both files, as a hub repository with safetensors holds them.</summary>
    Both = Safetensors | TorchBin,
}

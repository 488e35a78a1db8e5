using BlipCaptioning.Model;

namespace BlipCaptioning.Conversion.Onnx;

/// <summary>The operator domains the graphs use, with the opset version each is written with.</summary>
internal static class OnnxDomains
{
    /// <summary>Standard ONNX operators (the empty domain), opset <see cref="BlipModelContract.OpsetVersion"/>.</summary>
    public const string Standard = "";

    /// <summary>
    /// ONNX Runtime's contrib operators (com.microsoft, version 1), used only by the int8 graphs: DynamicQuantizeMatMul,
    /// MatMulNBits. They run on ONNX Runtime's CPU execution provider, not necessarily elsewhere.
    /// </summary>
    public const string Microsoft = "com.microsoft";

    public static readonly IReadOnlyDictionary<string, long> OpsetVersion = new Dictionary<string, long>(StringComparer.Ordinal)
    {
        [Standard] = BlipModelContract.OpsetVersion,
        [Microsoft] = 1,
    };
}

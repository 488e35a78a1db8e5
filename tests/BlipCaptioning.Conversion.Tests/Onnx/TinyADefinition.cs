namespace BlipCaptioning.Conversion.Tests.Onnx;

/// <summary>Shares one <see cref="TinyAFixture"/> (both builds made once per test run) across the classes that name it.</summary>
[CollectionDefinition(Name)]
public sealed class TinyADefinition : ICollectionFixture<TinyAFixture>
{
    public const string Name = "transformers-tiny-a, built from model.safetensors and from pytorch_model.bin";
}

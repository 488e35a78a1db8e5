using System.Runtime.CompilerServices;
using BlipCaptioning.Inference;

namespace BlipCaptioning.Tests;

/// <summary>
/// Makes the process's shared ONNX Runtime thread pool before any test creates a session, as the app's first model
/// load does, so that which test runs first cannot decide whether the shared pool exists.
/// </summary>
internal static class SharedThreadPoolSetup
{
    [ModuleInitializer]
    internal static void CreateTheSharedPool() => SharedOnnxThreadPool.EnsureCreatedWithDefaults();
}

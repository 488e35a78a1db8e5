using System.Runtime.CompilerServices;
using BlipCaptioning.Inference;

namespace BlipCaptioning.Tests;

/// <summary>
/// Makes the process's shared ONNX Runtime thread pool before any test creates a session, as the first model load of
/// the app does, so that which test runs first cannot decide whether the shared pool exists.
/// </summary>
internal static class SharedThreadPoolSetup
{
    [ModuleInitializer]
    internal static void CreateTheSharedPool()
    {
        string? whyNot = SharedOnnxThreadPool.TryUse(BlipSessionSettings.Default.EffectiveIntraOpThreads, BlipSessionSettings.Default.EffectiveSpinning(SessionThreadPool.Shared));
        if (whyNot is not null)
        {
            throw new InvalidOperationException("The tests could not create the shared ONNX Runtime thread pool: " + whyNot);
        }
    }
}

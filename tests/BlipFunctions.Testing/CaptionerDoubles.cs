using BlipCaptioning;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BlipFunctions.Testing;

/// <summary>Puts a test double in front of the real captioner in a host's services.</summary>
public static class CaptionerDoubles
{
    public static Action<IServiceCollection> Wrap<T>(Func<IImageCaptioner, T> create) where T : class, IImageCaptioner =>
        services =>
        {
            services.AddSingleton(provider => create(provider.GetRequiredService<ImageCaptioner>()));
            services.RemoveAll<IImageCaptioner>();
            services.AddSingleton<IImageCaptioner>(provider => provider.GetRequiredService<T>());
        };
}

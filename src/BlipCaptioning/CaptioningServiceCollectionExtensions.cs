using BlipCaptioning;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers BLIP captioning in a service collection.</summary>
public static class CaptioningServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IImageCaptioner"/> (an <see cref="ImageCaptioner"/> singleton built on first resolve) with
    /// <see cref="CaptioningOptions"/> bound from <paramref name="section"/> (usually <c>configuration.GetSection("Captioning")</c>)
    /// and validated at host start. The model itself loads on the first caption, never at registration or start-up,
    /// after the registered <see cref="IModelSource"/>, if any, has put the model folder in place.
    /// </summary>
    public static IServiceCollection AddBlipCaptioning(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        services.AddOptions<CaptioningOptions>().Bind(section);
        return AddCore(services);
    }

    /// <summary>
    /// Registers <see cref="IImageCaptioner"/> with options set by <paramref name="configure"/>; see the
    /// <see cref="AddBlipCaptioning(IServiceCollection, IConfiguration)"/> overload.
    /// </summary>
    public static IServiceCollection AddBlipCaptioning(this IServiceCollection services, Action<CaptioningOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<CaptioningOptions>().Configure(configure);
        return AddCore(services);
    }

    private static IServiceCollection AddCore(IServiceCollection services)
    {
        services.AddOptions<CaptioningOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CaptioningOptions>, CaptioningOptionsValidator>());
        services.TryAddSingleton(provider => new ImageCaptioner(
            provider.GetRequiredService<IOptions<CaptioningOptions>>().Value,
            provider.GetService<ILoggerFactory>()?.CreateLogger<ImageCaptioner>(),
            provider.GetService<IModelSource>()));
        services.TryAddSingleton<IImageCaptioner>(provider => provider.GetRequiredService<ImageCaptioner>());
        return services;
    }
}

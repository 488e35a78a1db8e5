using Azure.Data.Tables;
using BlipFunctions.Captioning;
using BlipFunctions.Configuration;
using BlipFunctions.Gallery;
using BlipFunctions.Reconcile;
using BlipFunctions.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace BlipFunctions;

/// <summary>Registers the app's services: settings (validated at start), storage clients, the store and the pipeline.</summary>
public static class BlipFunctionsServiceCollectionExtensions
{
    /// <summary>
    /// Everything the functions need except <see cref="BlipCaptioning.IImageCaptioner"/> (AddBlipCaptioning), including
    /// the <see cref="BlipCaptioning.IModelSource"/> the captioner asks to put the model in place before it loads it.
    /// Nothing here touches the network or the model: clients are created on first resolve, the model on first caption.
    /// </summary>
    public static IServiceCollection AddBlipFunctions(this IServiceCollection services)
    {
        services.AddOptions<CaptionPipelineOptions>().BindConfiguration(CaptionPipelineOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CaptionPipelineOptions>, CaptionPipelineOptionsValidator>();
        services.AddOptions<CaptionStorageSettings>().ValidateOnStart();
        services.AddSingleton<IConfigureOptions<CaptionStorageSettings>, CaptionStorageSettingsSetup>();
        services.AddSingleton<IValidateOptions<CaptionStorageSettings>, CaptionStorageSettingsValidator>();

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<CaptionStorageClients>();
        services.AddSingleton(sp => sp.GetRequiredService<CaptionStorageClients>().Tables
            .GetTableClient(sp.GetRequiredService<IOptions<CaptionPipelineOptions>>().Value.CaptionsTable));
        services.AddSingleton(sp => new CaptionStore(sp.GetRequiredService<TableClient>()));
        services.AddSingleton<ModelProvisioner>();
        services.AddSingleton<BlipCaptioning.IModelSource>(sp => sp.GetRequiredService<ModelProvisioner>());
        services.AddSingleton<BlobCaptioningService>();
        services.AddSingleton<Health.HealthProbe>();
        services.AddSingleton<ThumbnailStore>();

        services.AddOptions<ReconcileOptions>().BindConfiguration(ReconcileOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ReconcileOptions>, ReconcileOptionsValidator>();
        services.AddSingleton(sp => new ReconcileRuns(sp.GetRequiredService<TableClient>()));
        services.AddSingleton<ReconcileQueues>();
        services.AddSingleton<ReconcileRunner>();
        return services;
    }
}

using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Azure.WebJobs;
using Microsoft.Azure.WebJobs.Description;
using Microsoft.Azure.WebJobs.Host.Config;

namespace BlipFunctions.HostTests.Fixtures;

/// <summary>
/// What the host's DefaultScriptWebHookProvider does for extensions: an extension that handles webhooks asks for its
/// URL at start-up and is served at <c>/runtime/webhooks/&lt;its configuration section, lower case&gt;</c> (the blob
/// extension at <c>/runtime/webhooks/blobs</c>). Locally the host asks no key, as Core Tools does without --enableAuth.
/// </summary>
public sealed class ExtensionWebHooks(Uri baseAddress) : IWebHookProvider
{
    private readonly ConcurrentDictionary<string, IAsyncConverter<HttpRequestMessage, HttpResponseMessage>> _handlers = new(StringComparer.OrdinalIgnoreCase);

    public Uri GetUrl(IExtensionConfigProvider extension)
    {
        ArgumentNullException.ThrowIfNull(extension);
        var handler = extension as IAsyncConverter<HttpRequestMessage, HttpResponseMessage>
                      ?? throw new InvalidOperationException($"{extension.GetType().Name} takes no webhooks.");
        string name = (extension.GetType().GetCustomAttribute<ExtensionAttribute>()?.ConfigurationSection ?? extension.GetType().Name).ToLowerInvariant();
        _handlers[name] = handler;
        return new Uri(baseAddress, "runtime/webhooks/" + name);
    }

    public bool TryGetHandler(string name, out IAsyncConverter<HttpRequestMessage, HttpResponseMessage> handler) =>
        _handlers.TryGetValue(name, out handler!);
}

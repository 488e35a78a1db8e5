using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace BlipFunctions.GalleryTests.Fixtures;

/// <summary>An HTTP-triggered function of the app as its attributes declare it (what the build writes to functions.metadata).</summary>
public sealed record HttpFunction(string Name, string Route, IReadOnlyList<string> Methods, AuthorizationLevel AuthLevel, MethodInfo Method)
{
    /// <summary>Every method of <paramref name="assembly"/> with <c>[Function]</c> and an <c>[HttpTrigger]</c> parameter.</summary>
    public static IReadOnlyList<HttpFunction> InAssembly(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var functions = new List<HttpFunction>();
        foreach (MethodInfo method in assembly.GetTypes().SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)))
        {
            if (method.GetCustomAttribute<FunctionAttribute>() is not { } function)
            {
                continue;
            }

            HttpTriggerAttribute? trigger = method.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(t => t is not null);
            if (trigger is not null)
            {
                functions.Add(new HttpFunction(function.Name, trigger.Route ?? function.Name, trigger.Methods ?? ["get", "post"], trigger.AuthLevel, method));
            }
        }

        return functions;
    }
}

using System.Globalization;
using Microsoft.Extensions.Options;

namespace BlipFunctions.Reconcile;

/// <summary>Checks the <c>Reconcile__*</c> settings at start-up, naming the setting at fault.</summary>
public sealed class ReconcileOptionsValidator : IValidateOptions<ReconcileOptions>
{
    public ValidateOptionsResult Validate(string? name, ReconcileOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.PageSize is < 1 or > ReconcileOptions.MaxPageSize)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture,
                $"Reconcile__PageSize is {options.PageSize}; set it from 1 to {ReconcileOptions.MaxPageSize} (the most blobs one listing page holds), or leave it out for 1000."));
        }

        if (options.Parallelism is < 1 or > 64)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture,
                $"Reconcile__Parallelism is {options.Parallelism}; set it from 1 to 64, or leave it out for 16."));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

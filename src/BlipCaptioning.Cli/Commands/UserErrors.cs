using BlipCaptioning.Errors;

namespace BlipCaptioning.Cli.Commands;

/// <summary>
/// Runs a command body and turns the errors a user can cause (a missing file, a bad model folder, a bad value)
/// into one clear line on stderr and the exit code that says which kind it was (<see cref="ExitCodes"/>), never a
/// stack trace. Bugs still surface with their trace.
/// </summary>
internal static class UserErrors
{
    public static async Task<int> RunAsync(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("blip: cancelled.");
            return ExitCodes.Cancelled;
        }
        catch (UsageException ex)
        {
            await Console.Error.WriteLineAsync($"blip: {ex.Message}");
            return ExitCodes.Usage;
        }
        catch (Exception ex) when (ex is ModelUnavailableException or ModelNotFoundException or ModelContractException)
        {
            await Console.Error.WriteLineAsync($"blip: {ex.Message}");
            return ExitCodes.ModelUnavailable;
        }
        catch (Exception ex) when (IsUserError(ex))
        {
            await Console.Error.WriteLineAsync($"blip: {ex.Message}");
            return ExitCodes.Failed;
        }
    }

    public static bool IsUserError(Exception ex) => ex is CaptioningException
        or FileNotFoundException
        or DirectoryNotFoundException
        or UnauthorizedAccessException
        or InvalidDataException
        or ArgumentException
        or HttpRequestException
        or IOException;
}

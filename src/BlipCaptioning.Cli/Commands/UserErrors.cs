using BlipCaptioning.Errors;

namespace BlipCaptioning.Cli.Commands;

/// <summary>
/// Runs a command body and turns the errors a user can cause (a missing file, a bad model folder, a bad image)
/// into one clear line on stderr and exit code 1, never a stack trace. Bugs still surface with their trace.
/// </summary>
internal static class UserErrors
{
    public const int Failure = 1;

    public static async Task<int> RunAsync(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("blip: cancelled.");
            return 130;
        }
        catch (Exception ex) when (IsUserError(ex))
        {
            await Console.Error.WriteLineAsync($"blip: {ex.Message}");
            return Failure;
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

namespace BlipCaptioning.Cli.Commands;

/// <summary>The exit codes of every <c>blip</c> command (README "Exit codes"; <c>blip --help</c>).</summary>
internal static class ExitCodes
{
    /// <summary>Everything asked for was done: every input captioned, the model built.</summary>
    public const int Success = 0;

    /// <summary>The command ran but not everything succeeded: some inputs failed (the rest were captioned), a checkpoint could not be read, a download failed.</summary>
    public const int Failed = 1;

    /// <summary>The command line is wrong (an unknown option, a bad value, nothing to caption); nothing was done.</summary>
    public const int Usage = 2;

    /// <summary>The model folder is missing, is not a model (a checkpoint, an empty folder) or is broken; nothing was captioned.</summary>
    public const int ModelUnavailable = 3;

    /// <summary>Interrupted with Ctrl+C (SIGINT); what was done before it stands.</summary>
    public const int Cancelled = 130;

    /// <summary>The table <c>blip --help</c> and the README show.</summary>
    public const string Summary =
        "Exit codes: 0 all done; 1 some inputs failed (the rest were done) or the work failed; 2 usage error (nothing done); 3 model missing or invalid; 130 interrupted (Ctrl+C).";
}

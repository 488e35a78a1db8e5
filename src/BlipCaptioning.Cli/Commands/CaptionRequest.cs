namespace BlipCaptioning.Cli.Commands;

/// <summary>Everything <c>blip caption</c> was asked to do, as parsed from its command line.</summary>
internal sealed record CaptionRequest(
    IReadOnlyList<string> Arguments,
    string? FilesFrom,
    CaptioningOptions Options,
    ModelFolderSource ModelSource,
    CaptionSettings Settings,
    bool Json,
    int BatchSize,
    TimeSpan DownloadTimeout);

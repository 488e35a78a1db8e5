namespace BlipCaptioning.Cli.Inputs;

/// <summary>
/// What a walk of folders and globs skipped and why, said once per path on stderr ("blip: note: ..."): links to
/// folders (not followed), FIFOs, sockets and devices (never opened), folders that cannot be read, TIFF files
/// without <c>--tiff</c>.
/// </summary>
internal sealed class WalkNotes
{
    private readonly List<string> _notes = [];
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    /// <summary>Whether links to folders are worth a note (a folder walk) or expected (a glob such as <c>*.jpg</c> lists them anyway).</summary>
    public bool NoteLinkedFolders { get; set; } = true;

    public IReadOnlyList<string> All => _notes;

    public void Add(string note)
    {
        if (_seen.Add(note))
        {
            _notes.Add(note);
        }
    }

    public void LinkedFolder(string path, string target)
    {
        if (NoteLinkedFolders)
        {
            Add($"{path}: a link to a folder ({target}); not followed. Name the folder itself to caption it.");
        }
    }

    public void SpecialFile(string path) =>
        Add($"{path}: not a regular file (a FIFO, socket or device); skipped without opening it.");

    public void BrokenLink(string path) => Add($"{path}: a link to nothing; skipped.");
}

namespace BlipCaptioning;

/// <summary>What an <see cref="IModelSource"/> did to the model folder before a load.</summary>
public enum ModelSourceResult
{
    /// <summary>The folder was left as it was; the load checks every graph and data file against the manifest's SHA-256.</summary>
    Unchanged,

    /// <summary>
    /// The source has just written the folder and checked every graph and data file against the SHA-256 its manifest
    /// records, so the load does not hash them again (it still checks that they are there, regular and within budget).
    /// </summary>
    WrittenAndVerified,
}

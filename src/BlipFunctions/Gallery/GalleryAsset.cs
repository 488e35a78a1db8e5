namespace BlipFunctions.Gallery;

/// <summary>One file of the gallery page, embedded in the app: its name, media type, bytes and entity tag.</summary>
public sealed record GalleryAsset(string Name, string ContentType, byte[] Content, string EntityTag);

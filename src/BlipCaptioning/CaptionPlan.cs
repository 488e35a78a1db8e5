using BlipCaptioning.Search;

namespace BlipCaptioning;

/// <summary>A call's settings made ready to run: the decoder start ids ([DEC] + prompt) and the search strategy.</summary>
internal sealed record CaptionPlan(CaptionSettings Settings, long[] PromptIds, ISearchStrategy Strategy);

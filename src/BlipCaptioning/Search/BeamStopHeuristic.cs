namespace BlipCaptioning.Search;

/// <summary>
/// Which sum of log-probabilities the early_stopping=false heuristic divides by (length - prompt)^length_penalty and
/// compares with the worst finished hypothesis (an image is done when that is not better).
/// </summary>
internal enum BeamStopHeuristic
{
    /// <summary>
    /// transformers 4.x <c>BeamSearchScorer.process</c>: <c>next_scores.max()</c>, the best of the 2 x num_beams
    /// candidates, an end-of-sequence candidate included. Our default (docs/generation.md).
    /// </summary>
    BestCandidate,

    /// <summary>
    /// transformers' vectorised <c>_beam_search</c> (4.50 on, 5.x): <c>running_beam_scores[:, :1]</c>, the best beam
    /// that goes on, i.e. the best candidate that is not the end-of-sequence id. Stops no later than
    /// <see cref="BestCandidate"/>, sooner when an end-of-sequence candidate is the best one.
    /// </summary>
    BestRunningBeam,
}

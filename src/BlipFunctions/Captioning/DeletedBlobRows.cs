using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using BlipFunctions.Gallery;
using BlipFunctions.Storage;

namespace BlipFunctions.Captioning;

/// <summary>
/// Removes the caption row of a blob that no longer exists, its keyword index entries and the gallery's cached thumbnail. Used for Event Grid
/// <c>BlobDeleted</c> events and whenever captioning finds the blob gone, so the two paths obey one rule.
/// </summary>
/// <remarks>
/// The blob is the truth, not the event: the row is read first, then the blob is asked whether it exists (a blob
/// uploaded again after the delete keeps its row; its own BlobCreated event re-captions it), then the row is deleted
/// only if it is still the one read (ETag). A captioning invocation that claimed the row meanwhile changes its ETag,
/// so the delete is retried from the start; an invocation still holding a claim after the row is gone fails its
/// conditional write and, on its next round, finds the blob gone and comes here. So no tombstone is needed: no
/// order of events leaves a row for a deleted blob (docs/functions.md "Deletions").
/// </remarks>
public sealed class DeletedBlobRows(CaptionStore store)
{
    private const int MaxRounds = 5;

    /// <summary>True when a row was removed; false when there was none, or the blob exists (again).</summary>
    public async Task<bool> RemoveIfGoneAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        bool removedEntries = false;
        for (int round = 0; round < MaxRounds; round++)
        {
            CaptionEntity? row = await store.GetAsync(blob.BlobContainerName, blob.Name, cancellationToken).ConfigureAwait(false);
            if (await blob.ExistsAsync(cancellationToken).ConfigureAwait(false))
            {
                // Uploaded again since: if an earlier round removed keyword entries read from the old row, the new
                // caption may have written the same entries just before, so they are written again for the row as it is.
                if (removedEntries && row is { Status: CaptionStatus.Succeeded })
                {
                    await store.IndexKeywordsAsync(row, cancellationToken).ConfigureAwait(false);
                }

                return false;
            }

            if (round == 0)
            {
                await DeleteCachedThumbnailAsync(blob, cancellationToken).ConfigureAwait(false);
            }

            if (row is null)
            {
                return false;
            }

            if (row.Status == CaptionStatus.Succeeded)
            {
                await store.Keywords.RemoveAsync(row, cancellationToken).ConfigureAwait(false);
                removedEntries = true;
            }

            if (await store.TryDeleteAsync(row, cancellationToken).ConfigureAwait(false))
            {
                return true;
            }
        }

        throw new CaptionRowContentionException(
            $"The caption row of the deleted blob {blob.Name} changed {MaxRounds} times while it was being removed; the delete will be retried.");
    }

    // The gallery's cached thumbnail of a deleted image goes too: a deleted photo must not stay viewable anywhere. The
    // cache is keyed by image version, so removing it while the name is uploaded again only costs a new thumbnail.
    private static async Task DeleteCachedThumbnailAsync(BlobClient blob, CancellationToken cancellationToken) =>
        await blob.GetParentBlobContainerClient().GetParentBlobServiceClient()
            .GetBlobContainerClient(ThumbnailStore.CacheContainer).GetBlobClient(blob.Name)
            .DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
}

using System.Buffers;
using BlipCaptioning.Model;
using BlipCaptioning.Search;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace BlipCaptioning.Inference;

/// <summary>
/// One generation call's text decoder: runs the text_decoder graph one step at a time and owns the
/// self-attention key/value cache between steps.
/// </summary>
/// <remarks>
/// Cache ownership: step n's <c>present.{i}.*</c> outputs are fed as step n+1's <c>past.{i}.*</c> inputs, and the
/// outputs of step n-1 (the pasts just consumed) are disposed after step n ran. The first step feeds an empty
/// past [rows, heads, 0, head_dim]. The cross-attention keys/values [images, heads, tokens, head_dim] are borrowed
/// from a <see cref="CrossAttentionCache"/>; rows are grouped by image (row r reads image r / rows-per-image), so
/// beams share their image's copy instead of repeating it (transformers' repeat_interleave, without the copies).
/// </remarks>
public sealed class OnnxDecoderRun : IDecoderRun
{
    private readonly InferenceSession _session;
    private readonly int _layers;
    private readonly int _heads;
    private readonly int _headDim;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly OrtValue[] _inputs;
    private readonly OrtValue _emptyPast;
    private readonly RunOptions _runOptions = new();
    private readonly long[] _stepIds;
    private readonly OrtValue _stepIdsValue;
    private IDisposableReadOnlyCollection<OrtValue>? _lastOutputs;
    private CancellationToken _registeredToken;
    private CancellationTokenRegistration _registration;
    private int _pastLength;
    private bool _disposed;

    internal OnnxDecoderRun(InferenceSession session, TextDimensions text, CrossAttentionCache cross, int rowsPerImage)
    {
        ArgumentNullException.ThrowIfNull(cross);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rowsPerImage);
        _session = session;
        _layers = text.Layers;
        _heads = text.Heads;
        _headDim = text.HeadDim;
        Rows = cross.Images * rowsPerImage;
        VocabularySize = text.VocabSize;

        _inputNames = new string[1 + (4 * _layers)];
        _inputs = new OrtValue[_inputNames.Length];
        _outputNames = new string[1 + (2 * _layers)];
        _inputNames[0] = BlipModelContract.InputIds;
        _outputNames[0] = BlipModelContract.Logits;
        _emptyPast = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, [Rows, _heads, 0, _headDim]);
        for (int i = 0; i < _layers; i++)
        {
            _inputNames[1 + (2 * i)] = BlipModelContract.PastKey(i);
            _inputNames[2 + (2 * i)] = BlipModelContract.PastValue(i);
            _inputs[1 + (2 * i)] = _emptyPast;
            _inputs[2 + (2 * i)] = _emptyPast;
            _inputNames[1 + (2 * _layers) + (2 * i)] = BlipModelContract.CrossKey(i);
            _inputNames[2 + (2 * _layers) + (2 * i)] = BlipModelContract.CrossValue(i);
            _inputs[1 + (2 * _layers) + (2 * i)] = cross.Key(i);
            _inputs[2 + (2 * _layers) + (2 * i)] = cross.Value(i);
            _outputNames[1 + (2 * i)] = BlipModelContract.PresentKey(i);
            _outputNames[2 + (2 * i)] = BlipModelContract.PresentValue(i);
        }

        // Every step after the first feeds one id per row: one pinned buffer and its tensor serve them all.
        _stepIds = new long[Rows];
        _stepIdsValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _stepIds.AsMemory(), [Rows, 1]);
    }

    /// <inheritdoc/>
    public int Rows { get; }

    /// <inheritdoc/>
    public int VocabularySize { get; }

    /// <summary>Positions already in the cache (0 before the first step).</summary>
    public int PastLength => _pastLength;

    /// <inheritdoc/>
    public void Advance(ReadOnlySpan<long> newIds, int sequenceLength, Span<float> logits, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sequenceLength);
        int count = Rows * sequenceLength;
        if (newIds.Length != count)
        {
            throw new ArgumentException($"Expected {Rows} rows x {sequenceLength} ids = {count} ids, got {newIds.Length}.", nameof(newIds));
        }

        if (logits.Length < Rows * VocabularySize)
        {
            throw new ArgumentException($"The logits span holds {logits.Length} floats; {Rows} rows x {VocabularySize} are needed.", nameof(logits));
        }

        cancellationToken.ThrowIfCancellationRequested();
        RegisterCancellation(cancellationToken);

        // The first step (the prompt) gets its own tensor; single-id steps write into the pinned step buffer.
        OrtValue? promptIds = sequenceLength == 1 ? null : OrtValue.CreateTensorValueFromMemory(newIds.ToArray(), [Rows, sequenceLength]);
        if (promptIds is null)
        {
            newIds.CopyTo(_stepIds);
        }

        IDisposableReadOnlyCollection<OrtValue> outputs;
        try
        {
            _inputs[0] = promptIds ?? _stepIdsValue;
            outputs = _session.Run(_runOptions, _inputNames, _inputs, _outputNames);
        }
        catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The captioning run was cancelled.", cancellationToken);
        }
        finally
        {
            _inputs[0] = null!;
            promptIds?.Dispose();
        }

        try
        {
            var logitsValue = outputs[0];
            if (_pastLength == 0)
            {
                // The graph's output shape is checked once per run; later steps only copy.
                var shape = logitsValue.GetTensorTypeAndShape().Shape;
                if (shape.Length != 2 || shape[0] != Rows || shape[1] != VocabularySize)
                {
                    throw new Errors.ModelContractException(
                        $"graph 'text_decoder' output '{BlipModelContract.Logits}': expected [{Rows}, {VocabularySize}], found [{string.Join(", ", shape)}].");
                }
            }

            logitsValue.GetTensorDataAsSpan<float>().CopyTo(logits);
        }
        catch
        {
            outputs.Dispose();
            throw;
        }

        // The presents become the next step's pasts; the previous step's outputs (the pasts just read) are released.
        for (int k = 0; k < 2 * _layers; k++)
        {
            _inputs[1 + k] = outputs[1 + k];
        }

        _lastOutputs?.Dispose();
        _lastOutputs = outputs;
        _pastLength += sequenceLength;
    }

    /// <inheritdoc/>
    public void ReorderRows(ReadOnlySpan<int> sources)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (sources.Length != Rows)
        {
            throw new ArgumentException($"Expected {Rows} source rows, got {sources.Length}.", nameof(sources));
        }

        bool identity = true;
        for (int i = 0; i < sources.Length; i++)
        {
            if ((uint)sources[i] >= (uint)Rows)
            {
                throw new ArgumentOutOfRangeException(nameof(sources), $"Source row {sources[i]} is outside 0..{Rows - 1}.");
            }

            identity &= sources[i] == i;
        }

        if (identity || _lastOutputs is null || _pastLength == 0)
        {
            return;
        }

        // Gather along dim 0 (transformers' _reorder_cache index_select): copy the tensor aside, then write each row
        // from its source. The scratch is rented and returned, so repeated reorders do not allocate.
        int rowSize = _heads * _pastLength * _headDim;
        float[] scratch = ArrayPool<float>.Shared.Rent(rowSize * Rows);
        try
        {
            for (int k = 0; k < 2 * _layers; k++)
            {
                Span<float> data = _inputs[1 + k].GetTensorMutableDataAsSpan<float>();
                Span<float> copy = scratch.AsSpan(0, rowSize * Rows);
                data.CopyTo(copy);
                for (int row = 0; row < Rows; row++)
                {
                    if (sources[row] != row)
                    {
                        copy.Slice(sources[row] * rowSize, rowSize).CopyTo(data.Slice(row * rowSize, rowSize));
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _registration.Dispose();
        _lastOutputs?.Dispose();
        _lastOutputs = null;
        _emptyPast.Dispose();
        _stepIdsValue.Dispose();
        _runOptions.Dispose();
    }

    /// <summary>
    /// Cancellation terminates the run in flight through <see cref="RunOptions.Terminate"/>. One generation call passes
    /// the same token to every step, so it is registered once, not once per token.
    /// </summary>
    private void RegisterCancellation(CancellationToken cancellationToken)
    {
        if (!cancellationToken.CanBeCanceled || cancellationToken == _registeredToken)
        {
            return;
        }

        _registration.Dispose();
        _registeredToken = cancellationToken;
        _registration = cancellationToken.Register(static state => ((RunOptions)state!).Terminate = true, _runOptions);
    }
}

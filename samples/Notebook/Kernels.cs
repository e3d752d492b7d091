using FixedNorm;

namespace Notebook;

/// <summary>The notebook's two layers on its 8 x 3 input, generated at compile time.</summary>
public static partial class Kernels
{
    /// <summary>nn.LayerNorm(3): each of the 8 rows normalized across its 3 features (dim 1).</summary>
    [LayerNorm(8, 3)]
    public static partial void LayerNorm(ReadOnlySpan<float> input, Span<float> output, Span<float> mean, Span<float> rstd);
}

/// <summary>The notebook's BatchNorm half.</summary>
public static partial class BatchKernels
{
    /// <summary>nn.BatchNorm1d(3) in training mode: each of the 3 features normalized across the batch of 8 (dim 0).</summary>
    [BatchNorm(8, 3)]
    public static partial void BatchNorm(ReadOnlySpan<float> input, Span<float> output,
        Span<float> runningMean, Span<float> runningVar, Span<float> mean, Span<float> rstd);
}

namespace FixedNorm.Tests.Kernels;


/// <summary>Kernels compiled with this project through the generator as an analyzer, as a user's would be.</summary>
public static partial class TestKernels
{
    /// <summary>The notebook's LayerNorm: 8 rows of 3 features.</summary>
    [LayerNorm(8, 3)]
    public static partial void Notebook(ReadOnlySpan<float> input, Span<float> output);

    [LayerNorm(2, 768)]
    public static partial void Affine768(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output);

    [LayerNorm(2, 3, 4, 5, Axis = 1, Epsilon = 1e-3)]
    public static partial void Norm4d(ReadOnlySpan<double> input, ReadOnlySpan<double> weight,
        ReadOnlySpan<double> bias, Span<double> output, Span<double> mean, Span<double> rstd);

    /// <summary>The aligned plan: 16 or more groups of whole 64-byte lines, 2 to 8 KB each.</summary>
    [LayerNorm(64, 768)]
    public static partial void Aligned768(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output);

    [LayerNorm(3, 2500)]
    public static partial void Long(ReadOnlySpan<float> input, Span<float> output, Span<float> mean, Span<float> rstd);
}

/// <summary>BatchNorm kernels compiled with this project.</summary>
public static partial class BatchNormKernels
{
    /// <summary>The notebook's BatchNorm1d(3) on 8 x 3, a fresh module in training mode.</summary>
    [BatchNorm(8, 3)]
    public static partial void Notebook(ReadOnlySpan<float> input, Span<float> output, Span<float> runningMean, Span<float> runningVar);

    [BatchNorm(32, 64, 128, Momentum = 0.1)]
    public static partial void TrainNcl(ReadOnlySpan<float> input, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> bias, Span<float> runningMean, Span<float> runningVar, Span<float> output);

    [BatchNorm(32, 64, 128, Mode = BatchNormMode.Inference)]
    public static partial void InferNcl(ReadOnlySpan<float> input, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> bias, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);

    [BatchNorm(16, 8, 8, 64, ChannelAxis = -1)]
    public static partial void TrainChannelsLast(ReadOnlySpan<float> input, Span<float> output,
        Span<float> runningMean, Span<float> runningVar, Span<float> mean, Span<float> rstd);

    [BatchNorm(32, 4, 4, 256, ChannelAxis = -1)]
    public static partial void TrainManyChannels(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> runningMean, Span<float> runningVar, Span<float> output);

    [BatchNorm(32, 4, 4, 256, ChannelAxis = -1, Mode = BatchNormMode.Inference)]
    public static partial void InferManyChannels(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);

    [BatchNorm(40, 2, 3)]
    public static partial void TrainShortRuns(ReadOnlySpan<double> input, Span<double> output);

    [BatchNorm(128, 2, 5, Mode = BatchNormMode.Inference)]
    public static partial void InferShortRuns(ReadOnlySpan<float> input, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);

    [BatchNorm(128, 2, 2)]
    public static partial void TrainRunsOfTwo(ReadOnlySpan<float> input, Span<float> runningMean, Span<float> runningVar, Span<float> output);

    [BatchNorm(40, 1)]
    public static partial void TrainStrided(ReadOnlySpan<double> input, Span<double> output);
}

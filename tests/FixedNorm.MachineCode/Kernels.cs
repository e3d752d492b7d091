using FixedNorm;

namespace FixedNorm.MachineCode;

/// <summary>
/// The benchmark suite's kernels, and at least one kernel of each plan and element type (the shapes of the snapshot
/// tests, and of the largest kernels in BoundedOutputTests), some with every optional span.
/// </summary>
public static partial class Kernels
{
    // The benchmark suite's (bench/FixedNorm.Benchmarks/Cases.cs).
    [LayerNorm(8, 3)]
    public static partial void LayerNorm8x3(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output);

    [LayerNorm(64, 768)]
    public static partial void LayerNorm64x768(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output);

    [LayerNorm(32, 4096)]
    public static partial void LayerNorm32x4096(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output);

    [LayerNorm(16384, 768)]
    public static partial void LayerNorm16384x768(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output);

    [BatchNorm(8, 3, Mode = BatchNormMode.Inference)]
    public static partial void Infer8x3(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);

    [BatchNorm(8, 3, RunningVariance = BatchNormRunningVariance.Population)]
    public static partial void Train8x3(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> runningMean, Span<float> runningVar, Span<float> output);

    [BatchNorm(256, 64, Mode = BatchNormMode.Inference)]
    public static partial void Infer256x64(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);

    [BatchNorm(256, 64, RunningVariance = BatchNormRunningVariance.Population)]
    public static partial void Train256x64(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> runningMean, Span<float> runningVar, Span<float> output);

    [BatchNorm(32, 64, 128, Mode = BatchNormMode.Inference)]
    public static partial void InferNcl(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);

    [BatchNorm(32, 64, 128, RunningVariance = BatchNormRunningVariance.Population)]
    public static partial void TrainNcl(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> runningMean, Span<float> runningVar, Span<float> output);

    [BatchNorm(16, 32, 32, 64, ChannelAxis = -1, Mode = BatchNormMode.Inference)]
    public static partial void InferNhwc(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);

    [BatchNorm(16, 32, 32, 64, ChannelAxis = -1, RunningVariance = BatchNormRunningVariance.Population)]
    public static partial void TrainNhwc(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> runningMean, Span<float> runningVar, Span<float> output);

    // The same with the saved statistics: with every vector path in one method, these two called Vector512.Widen in
    // their loops (the JIT inlines nothing in a method with more than 512 locals).
    [BatchNorm(256, 64)]
    public static partial void Train256x64Saved(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> runningMean, Span<float> runningVar, Span<float> output, Span<float> mean, Span<float> rstd);

    [BatchNorm(16, 32, 32, 64, ChannelAxis = -1)]
    public static partial void TrainNhwcSaved(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> runningMean, Span<float> runningVar, Span<float> output, Span<float> mean, Span<float> rstd);

    [LayerNorm(64, 768)]
    public static partial void LayerNorm64x768Saved(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output, Span<float> mean, Span<float> rstd);

    // LayerNorm plans.
    [LayerNorm(8, 3)]
    public static partial void Transposed(ReadOnlySpan<float> input, Span<float> output);

    [LayerNorm(5)]
    public static partial void Scalar(ReadOnlySpan<double> input, Span<double> output);

    [LayerNorm(2, 768)]
    public static partial void Vector(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output);

    [LayerNorm(16, 33)]
    public static partial void OddTail(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output, Span<float> mean, Span<float> rstd);

    [LayerNorm(2, 3, 4, 5, Axis = 1, Epsilon = 1e-3)]
    public static partial void Double4d(ReadOnlySpan<double> input, ReadOnlySpan<double> weight, ReadOnlySpan<double> bias, Span<double> output, Span<double> mean, Span<double> rstd);

    [LayerNorm(1000, 16)]
    public static partial void Batched(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output, Span<float> mean, Span<float> rstd);

    [LayerNorm(1001, 255)]
    public static partial void BatchedWide(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output, Span<float> mean, Span<float> rstd);

    [LayerNorm(1001, 128)]
    public static partial void BatchedDouble(ReadOnlySpan<double> input, ReadOnlySpan<double> weight, ReadOnlySpan<double> bias, Span<double> output, Span<double> mean, Span<double> rstd);

    [LayerNorm(512, 1536)]
    public static partial void Aligned(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output, Span<float> mean, Span<float> rstd);

    [LayerNorm(1001, 256)]
    public static partial void AlignedDouble(ReadOnlySpan<double> input, ReadOnlySpan<double> weight, ReadOnlySpan<double> bias, Span<double> output, Span<double> mean, Span<double> rstd);

    [LayerNorm(3, 4099)]
    public static partial void LongGroups(ReadOnlySpan<double> input, Span<double> output);

    [LayerNorm(4096, 4096)]
    public static partial void Streamed(ReadOnlySpan<float> input, Span<float> output, Span<float> mean, Span<float> rstd);

    // BatchNorm plans.
    [BatchNorm(4, 7)]
    public static partial void FewRows(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> runningMean, Span<float> runningVar, Span<float> output, Span<float> mean, Span<float> rstd);

    [BatchNorm(100, 3)]
    public static partial void FewChannels(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> runningMean, Span<float> runningVar, Span<float> output, Span<float> mean, Span<float> rstd);

    [BatchNorm(100, 3, Mode = BatchNormMode.Inference)]
    public static partial void FewChannelsInference(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);

    [BatchNorm(40, 1, Epsilon = 1e-3)]
    public static partial void Strided(ReadOnlySpan<double> input, Span<double> output, Span<double> mean, Span<double> rstd);

    [BatchNorm(40, 2, 3, Epsilon = 1e-3)]
    public static partial void ShortRuns(ReadOnlySpan<double> input, Span<double> output, Span<double> mean, Span<double> rstd);

    [BatchNorm(33, 2, 9, Mode = BatchNormMode.Inference)]
    public static partial void ShortRunsInference(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);

    [BatchNorm(2, 3, 4, 5, Mode = BatchNormMode.Inference)]
    public static partial void NchwInference(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);

    [BatchNorm(4, 8, 255)]
    public static partial void RunsWithTails(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> runningMean, Span<float> runningVar, Span<float> output, Span<float> mean, Span<float> rstd);

    [BatchNorm(4, 1000, 255)]
    public static partial void ManyRunsWithTails(ReadOnlySpan<double> input, ReadOnlySpan<double> weight, ReadOnlySpan<double> bias, Span<double> runningMean, Span<double> runningVar, Span<double> output, Span<double> mean, Span<double> rstd);

    [BatchNorm(64, 64, 1024)]
    public static partial void LongRunsDouble(ReadOnlySpan<double> input, ReadOnlySpan<double> weight, ReadOnlySpan<double> bias, Span<double> runningMean, Span<double> runningVar, Span<double> output, Span<double> mean, Span<double> rstd);

    [BatchNorm(1048575, 2, 1024)]
    public static partial void StreamedRuns(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> runningMean, Span<float> runningVar, Span<float> output, Span<float> mean, Span<float> rstd);

    [BatchNorm(2, 1073741823)]
    public static partial void StreamedBlocks(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> runningMean, Span<float> runningVar, Span<float> output, Span<float> mean, Span<float> rstd);

    [BatchNorm(16, 32, 32, 68, ChannelAxis = -1, RunningVariance = BatchNormRunningVariance.Population)]
    public static partial void ChannelsLast(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> runningMean, Span<float> runningVar, Span<float> output, Span<float> mean, Span<float> rstd);

    [BatchNorm(8, 7, 7, 260, ChannelAxis = -1, Mode = BatchNormMode.Inference)]
    public static partial void ManyChannelsInference(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);

    [BatchNorm(16, 16, 16, 1160, ChannelAxis = -1)]
    public static partial void ChannelTables(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> runningMean, Span<float> runningVar, Span<float> output, Span<float> mean, Span<float> rstd);

    [BatchNorm(97, 813, ChannelAxis = -1)]
    public static partial void ChannelTablesDouble(ReadOnlySpan<double> input, ReadOnlySpan<double> weight, ReadOnlySpan<double> bias, Span<double> runningMean, Span<double> runningVar, Span<double> output, Span<double> mean, Span<double> rstd);

    [BatchNorm(8192, 24)]
    public static partial void OverlappingBlock(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> runningMean, Span<float> runningVar, Span<float> output, Span<float> mean, Span<float> rstd);

    [BatchNorm(3, 40, 150, ChannelAxis = 2, RunningVariance = BatchNormRunningVariance.Population)]
    public static partial void MiddleChannelAxis(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> runningMean, Span<float> runningVar, Span<float> output, Span<float> mean, Span<float> rstd);

    [BatchNorm(70, 200, Momentum = 0.3)]
    public static partial void Blocks(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> runningMean, Span<float> runningVar, Span<float> output, Span<float> mean, Span<float> rstd);

    [BatchNorm(17, 37, Momentum = 0.3)]
    public static partial void BlocksDouble(ReadOnlySpan<double> input, ReadOnlySpan<double> weight, ReadOnlySpan<double> bias, Span<double> runningMean, Span<double> runningVar, Span<double> output, Span<double> mean, Span<double> rstd);
}

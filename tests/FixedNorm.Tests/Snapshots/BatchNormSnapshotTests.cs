using FixedNorm.Tests.Infrastructure;

namespace FixedNorm.Tests.Snapshots;

public sealed class BatchNormSnapshotTests
{
    [Fact]
    public void Seed8x3Training() => SourceSnapshots.Match(GeneratorHarness.Run("""
        using System;
        using FixedNorm;

        namespace Demo;

        public sealed partial class Block
        {
            // The notebook's case: a fresh module in training mode, statistics over the batch.
            [BatchNorm(8, 3)]
            public static partial void Bn(ReadOnlySpan<float> input, Span<float> output);
        }
        """));

    [Fact]
    public void Seed8x3TrainingWithEveryStatistic() => SourceSnapshots.Match(GeneratorHarness.Run("""
        using System;
        using FixedNorm;

        namespace Demo;

        public sealed partial class Block
        {
            // The benchmark's case: affine, running statistics updated (one vector each), batch mean and rstd saved.
            [BatchNorm(8, 3)]
            public static partial void Train(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
                Span<float> runningMean, Span<float> runningVar, Span<float> mean, Span<float> rstd, Span<float> output);
        }
        """));

    [Fact]
    public void Seed8x3Inference() => SourceSnapshots.Match(GeneratorHarness.Run("""
        using System;
        using FixedNorm;

        namespace Demo;

        public sealed partial class Block
        {
            // The notebook's case in eval mode: each vector takes the channels' constants in its lanes' order.
            [BatchNorm(8, 3, Mode = BatchNormMode.Inference)]
            public static partial void Infer(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
                ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);
        }
        """));

    [Fact]
    public void FewChannelsManyRows() => SourceSnapshots.Match(GeneratorHarness.Run("""
        using System;
        using FixedNorm;

        namespace Demo;

        public sealed partial class Block
        {
            // 100 rows of 3 features: Vector256s in memory order, each channel's values in the lanes' repeating order
            // (every 24 elements); a loop of 6 steps, then one vector and 4 values.
            [BatchNorm(100, 3)]
            public static partial void Train(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
                Span<float> runningMean, Span<float> runningVar, Span<float> output);

            [BatchNorm(100, 3, Mode = BatchNormMode.Inference)]
            public static partial void Infer(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
                ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);
        }
        """));

    [Fact]
    public void NclTrainingWithRunningStatistics() => SourceSnapshots.Match(GeneratorHarness.Run("""
        using System;
        using FixedNorm;

        namespace Demo;

        public sealed partial class Block
        {
            [BatchNorm(32, 64, 128, Momentum = 0.1)]
            public partial void Train(ReadOnlySpan<float> input, ReadOnlySpan<float> weight,
                ReadOnlySpan<float> bias, Span<float> runningMean, Span<float> runningVar, Span<float> output);
        }
        """));

    [Fact]
    public void NchwInference() => SourceSnapshots.Match(GeneratorHarness.Run("""
        using System;
        using FixedNorm;

        namespace Demo;

        public sealed partial class Block
        {
            [BatchNorm(2, 3, 4, 5, Mode = BatchNormMode.Inference)]
            public partial void Infer(ReadOnlySpan<float> input, ReadOnlySpan<float> weight,
                ReadOnlySpan<float> bias, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar,
                Span<float> output);
        }
        """));

    [Fact]
    public void ChannelsLastTraining() => SourceSnapshots.Match(GeneratorHarness.Run("""
        using System;
        using FixedNorm;

        namespace Demo;

        public sealed partial class Block
        {
            [BatchNorm(16, 32, 32, 68, ChannelAxis = -1, RunningVariance = BatchNormRunningVariance.Population)]
            public static partial void ChannelsLast(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
                Span<float> runningMean, Span<float> runningVar, Span<float> mean, Span<float> rstd, Span<float> output);
        }
        """));

    [Fact]
    public void ChannelsLastInferenceManyChannels() => SourceSnapshots.Match(GeneratorHarness.Run("""
        using System;
        using FixedNorm;

        namespace Demo;

        public sealed partial class Block
        {
            [BatchNorm(8, 7, 7, 260, ChannelAxis = -1, Mode = BatchNormMode.Inference)]
            public static partial void Wide(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
                ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);
        }
        """));

    [Fact]
    public void ChannelsLastInferenceAlignedStores() => SourceSnapshots.Match(GeneratorHarness.Run("""
        using System;
        using FixedNorm;

        namespace Demo;

        public sealed partial class Block
        {
            [BatchNorm(16, 32, 32, 64, ChannelAxis = -1, Mode = BatchNormMode.Inference)]
            public static partial void Nhwc(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
                ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);
        }
        """));

    [Fact]
    public void NclInferenceAlignedStores() => SourceSnapshots.Match(GeneratorHarness.Run("""
        using System;
        using FixedNorm;

        namespace Demo;

        public sealed partial class Block
        {
            [BatchNorm(32, 64, 128, Mode = BatchNormMode.Inference)]
            public static partial void Ncl(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
                ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);
        }
        """));

    [Fact]
    public void ChannelsLastTrainingOverlappingBlock() => SourceSnapshots.Match(GeneratorHarness.Run("""
        using System;
        using FixedNorm;

        namespace Demo;

        public sealed partial class Block
        {
            [BatchNorm(8192, 24)]
            public static partial void Overlap(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
                Span<float> runningMean, Span<float> runningVar, Span<float> output);
        }
        """));

    [Fact]
    public void ChannelsLastTrainingInRowOrder() => SourceSnapshots.Match(GeneratorHarness.Run("""
        using System;
        using FixedNorm;

        namespace Demo;

        public sealed partial class Block
        {
            [BatchNorm(16, 32, 32, 64, ChannelAxis = -1)]
            public static partial void RowOrder(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
                Span<float> runningMean, Span<float> runningVar, Span<float> output);
        }
        """));

    [Fact]
    public void ChannelsLastDoubleTraining() => SourceSnapshots.Match(GeneratorHarness.Run("""
        using System;
        using FixedNorm;

        namespace Demo;

        public sealed partial class Block
        {
            // Double channels as vector lanes, rows in memory order: the deviations from the first row for the mean, then a
            // second pass for the squares around it, each a chunk of rows at a time.
            [BatchNorm(64, 24)]
            public static partial void Rows(ReadOnlySpan<double> input, ReadOnlySpan<double> weight, ReadOnlySpan<double> bias,
                Span<double> runningMean, Span<double> runningVar, Span<double> output);
        }
        """));

    [Fact]
    public void StridedDoubleTraining() => SourceSnapshots.Match(GeneratorHarness.Run("""
        using System;
        using FixedNorm;

        namespace Demo;

        public sealed partial class Block
        {
            // One double channel, one value a row: the scalar loops (too long for straight-line code).
            [BatchNorm(40, 1, Epsilon = 1e-3)]
            public static partial void Strided(ReadOnlySpan<double> input, Span<double> output, Span<double> mean, Span<double> rstd);
        }
        """));

    [Fact]
    public void ShortRunsDoubleTraining() => SourceSnapshots.Match(GeneratorHarness.Run("""
        using System;
        using FixedNorm;

        namespace Demo;

        public sealed partial class Block
        {
            // Runs of 3 values: in memory order with the per-channel values in stack buffers, as long runs are (training
            // takes the period tables from 3 channels).
            [BatchNorm(40, 2, 3, Epsilon = 1e-3)]
            public static partial void ShortRuns(ReadOnlySpan<double> input, Span<double> output, Span<double> mean, Span<double> rstd);
        }
        """));

    [Fact]
    public void ShortRunsInference() => SourceSnapshots.Match(GeneratorHarness.Run("""
        using System;
        using FixedNorm;

        namespace Demo;

        public sealed partial class Block
        {
            // Runs of 9 floats (one Vector256 and a value): one pass, 144 values (8 runs of each channel) at a time,
            // each channel's constants laid out per element in stack tables; 18 values after the last period.
            [BatchNorm(33, 2, 9, Mode = BatchNormMode.Inference)]
            public static partial void ShortRuns(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
                ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);
        }
        """));
}

using FixedNorm;

namespace FixedNorm.Benchmarks;

/// <summary>
/// One LayerNorm benchmark shape: [Rows, Features], normalized over the last axis, affine, float.
/// The benchmark classes are generic over a struct implementing this, so the JIT specializes them
/// per shape and calls <see cref="Generated"/> directly (no delegate, no switch).
/// </summary>
public interface ILayerNormCase
{
    static abstract string Label { get; }

    static abstract int Rows { get; }

    static abstract int Features { get; }

    /// <summary>The model under bench/models that ONNX Runtime runs for this shape.</summary>
    static abstract string Model { get; }

    static abstract void Generated(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output);
}

/// <summary>One BatchNorm benchmark shape, with its generated inference and training kernels.</summary>
public interface IBatchNormCase
{
    static abstract string Label { get; }

    static abstract int[] Shape { get; }

    static abstract int ChannelAxis { get; }

    /// <summary>The part of the model file names after batchnorm_infer_ / batchnorm_train_.</summary>
    static abstract string ModelSuffix { get; }

    /// <summary>Inference: normalized with the running statistics.</summary>
    static abstract void Infer(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);

    /// <summary>Training: batch statistics, running statistics updated in place (momentum 0.1, population variance as ONNX).</summary>
    static abstract void Train(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> runningMean, Span<float> runningVar, Span<float> output);
}

public readonly partial struct LayerNorm8x3 : ILayerNormCase
{
    public static string Label => "[8, 3]";

    public static int Rows => 8;

    public static int Features => 3;

    public static string Model => "layernorm_8x3.onnx";

    [LayerNorm(8, 3)]
    public static partial void Generated(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output);
}

public readonly partial struct LayerNorm64x768 : ILayerNormCase
{
    public static string Label => "[64, 768]";

    public static int Rows => 64;

    public static int Features => 768;

    public static string Model => "layernorm_64x768.onnx";

    [LayerNorm(64, 768)]
    public static partial void Generated(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output);
}

public readonly partial struct LayerNorm32x4096 : ILayerNormCase
{
    public static string Label => "[32, 4096]";

    public static int Rows => 32;

    public static int Features => 4096;

    public static string Model => "layernorm_32x4096.onnx";

    [LayerNorm(32, 4096)]
    public static partial void Generated(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output);
}

public readonly partial struct LayerNorm16384x768 : ILayerNormCase
{
    public static string Label => "[16384, 768]";

    public static int Rows => 16384;

    public static int Features => 768;

    public static string Model => "layernorm_16384x768.onnx";

    [LayerNorm(16384, 768)]
    public static partial void Generated(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output);
}

public readonly partial struct BatchNorm8x3 : IBatchNormCase
{
    public static string Label => "[8, 3]";

    public static int[] Shape => [8, 3];

    public static int ChannelAxis => 1;

    public static string ModelSuffix => "8x3";

    [BatchNorm(8, 3, Mode = BatchNormMode.Inference)]
    public static partial void Infer(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);

    [BatchNorm(8, 3, RunningVariance = BatchNormRunningVariance.Population)]
    public static partial void Train(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> runningMean, Span<float> runningVar, Span<float> output);
}

public readonly partial struct BatchNorm256x64 : IBatchNormCase
{
    public static string Label => "[256, 64]";

    public static int[] Shape => [256, 64];

    public static int ChannelAxis => 1;

    public static string ModelSuffix => "256x64";

    [BatchNorm(256, 64, Mode = BatchNormMode.Inference)]
    public static partial void Infer(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);

    [BatchNorm(256, 64, RunningVariance = BatchNormRunningVariance.Population)]
    public static partial void Train(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> runningMean, Span<float> runningVar, Span<float> output);
}

public readonly partial struct BatchNorm32x64x128 : IBatchNormCase
{
    public static string Label => "[32, 64, 128] NCL";

    public static int[] Shape => [32, 64, 128];

    public static int ChannelAxis => 1;

    public static string ModelSuffix => "32x64x128";

    [BatchNorm(32, 64, 128, Mode = BatchNormMode.Inference)]
    public static partial void Infer(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);

    [BatchNorm(32, 64, 128, RunningVariance = BatchNormRunningVariance.Population)]
    public static partial void Train(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> runningMean, Span<float> runningVar, Span<float> output);
}

public readonly partial struct BatchNorm16x32x32x64ChannelsLast : IBatchNormCase
{
    public static string Label => "[16, 32, 32, 64] NHWC";

    public static int[] Shape => [16, 32, 32, 64];

    public static int ChannelAxis => -1;

    /// <summary>ONNX's BatchNormalization is channels-first: ONNX Runtime gets the NCHW transpose.</summary>
    public static string ModelSuffix => "16x32x32x64_nchw";

    [BatchNorm(16, 32, 32, 64, ChannelAxis = -1, Mode = BatchNormMode.Inference)]
    public static partial void Infer(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);

    [BatchNorm(16, 32, 32, 64, ChannelAxis = -1, RunningVariance = BatchNormRunningVariance.Population)]
    public static partial void Train(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> runningMean, Span<float> runningVar, Span<float> output);
}

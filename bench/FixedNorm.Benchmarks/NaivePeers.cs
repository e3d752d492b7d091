using System.Runtime.CompilerServices;

namespace FixedNorm.Benchmarks;

/// <summary>
/// Peer 1: the notebook's algorithm as a user writes it in plain C#, over a shape known only at run
/// time: a mean loop, a variance loop, a normalize loop, then weight and bias. No SIMD, no unsafe code.
/// </summary>
public static class NaivePeers
{
    /// <summary>input viewed as [rows, features]; each row normalized across its features.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void LayerNorm(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> output, int rows, int features, float epsilon)
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> x = input.Slice(r * features, features);
            Span<float> y = output.Slice(r * features, features);

            float sum = 0;
            for (int i = 0; i < features; i++)
            {
                sum += x[i];
            }

            float mean = sum / features;

            float squares = 0;
            for (int i = 0; i < features; i++)
            {
                float d = x[i] - mean;
                squares += d * d;
            }

            float dev = MathF.Sqrt((squares / features) + epsilon);

            for (int i = 0; i < features; i++)
            {
                y[i] = ((x[i] - mean) / dev * weight[i]) + bias[i];
            }
        }
    }

    /// <summary>Training: per channel mean and biased variance over the batch; running statistics updated (population variance, as ONNX).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void BatchNormTraining(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> runningMean, Span<float> runningVar, Span<float> output,
        int outer, int channels, int inner, float epsilon, float momentum)
    {
        int count = outer * inner;
        for (int c = 0; c < channels; c++)
        {
            float sum = 0;
            for (int o = 0; o < outer; o++)
            {
                for (int i = 0; i < inner; i++)
                {
                    sum += input[(((o * channels) + c) * inner) + i];
                }
            }

            float mean = sum / count;

            float squares = 0;
            for (int o = 0; o < outer; o++)
            {
                for (int i = 0; i < inner; i++)
                {
                    float d = input[(((o * channels) + c) * inner) + i] - mean;
                    squares += d * d;
                }
            }

            float variance = squares / count;
            float dev = MathF.Sqrt(variance + epsilon);

            for (int o = 0; o < outer; o++)
            {
                for (int i = 0; i < inner; i++)
                {
                    int index = (((o * channels) + c) * inner) + i;
                    output[index] = ((input[index] - mean) / dev * weight[c]) + bias[c];
                }
            }

            runningMean[c] = ((1 - momentum) * runningMean[c]) + (momentum * mean);
            runningVar[c] = ((1 - momentum) * runningVar[c]) + (momentum * variance);
        }
    }

    /// <summary>Inference: normalized with the running statistics.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void BatchNormInference(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output,
        int outer, int channels, int inner, float epsilon)
    {
        for (int c = 0; c < channels; c++)
        {
            float mean = runningMean[c];
            float dev = MathF.Sqrt(runningVar[c] + epsilon);
            for (int o = 0; o < outer; o++)
            {
                for (int i = 0; i < inner; i++)
                {
                    int index = (((o * channels) + c) * inner) + i;
                    output[index] = ((input[index] - mean) / dev * weight[c]) + bias[c];
                }
            }
        }
    }
}

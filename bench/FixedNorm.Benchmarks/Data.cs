namespace FixedNorm.Benchmarks;

/// <summary>Deterministic test data: every peer of a shape gets the very same arrays.</summary>
public static class Data
{
    public const float Epsilon = 1e-5f;

    /// <summary>PyTorch's momentum convention (ONNX's 0.9).</summary>
    public const float Momentum = 0.1f;

    /// <summary>Standard normal values, scaled and offset, from a fixed seed (Box-Muller).</summary>
    public static float[] Normal(int length, int seed, float scale = 1, float offset = 0)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            double u1 = 1 - random.NextDouble();
            double u2 = random.NextDouble();
            values[i] = offset + (scale * (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2)));
        }

        return values;
    }

    /// <summary>Uniform values in [low, high) from a fixed seed.</summary>
    public static float[] Uniform(int length, int seed, float low, float high)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = low + ((high - low) * (float)random.NextDouble());
        }

        return values;
    }

    public static int Product(ReadOnlySpan<int> shape)
    {
        int product = 1;
        foreach (int dimension in shape)
        {
            product *= dimension;
        }

        return product;
    }
}

/// <summary>A BatchNorm tensor seen as [Outer, Channels, Inner] (row-major), whatever its rank and channel axis.</summary>
public readonly record struct BatchNormLayout(int Outer, int Channels, int Inner)
{
    public int Length => Outer * Channels * Inner;

    /// <summary>Values per channel: the batch the statistics run over.</summary>
    public int PerChannel => Outer * Inner;

    public static BatchNormLayout Of(int[] shape, int channelAxis)
    {
        int axis = channelAxis < 0 ? channelAxis + shape.Length : channelAxis;
        return new BatchNormLayout(Data.Product(shape.AsSpan(0, axis)), shape[axis], Data.Product(shape.AsSpan(axis + 1)));
    }

    /// <summary>
    /// Channels-last [Outer, C] (Inner = 1) to channels-first [N, C, spatial]: what ONNX's
    /// BatchNormalization takes. <paramref name="batch"/> is N; Outer = N x spatial.
    /// </summary>
    public static float[] ToChannelsFirst(ReadOnlySpan<float> channelsLast, int batch, int channels)
    {
        int spatial = channelsLast.Length / (batch * channels);
        var result = new float[channelsLast.Length];
        for (int n = 0; n < batch; n++)
        {
            for (int s = 0; s < spatial; s++)
            {
                for (int c = 0; c < channels; c++)
                {
                    result[(((n * channels) + c) * spatial) + s] = channelsLast[(((n * spatial) + s) * channels) + c];
                }
            }
        }

        return result;
    }

    /// <summary>The inverse of <see cref="ToChannelsFirst"/>.</summary>
    public static float[] ToChannelsLast(ReadOnlySpan<float> channelsFirst, int batch, int channels)
    {
        int spatial = channelsFirst.Length / (batch * channels);
        var result = new float[channelsFirst.Length];
        for (int n = 0; n < batch; n++)
        {
            for (int s = 0; s < spatial; s++)
            {
                for (int c = 0; c < channels; c++)
                {
                    result[(((n * spatial) + s) * channels) + c] = channelsFirst[(((n * channels) + c) * spatial) + s];
                }
            }
        }

        return result;
    }
}

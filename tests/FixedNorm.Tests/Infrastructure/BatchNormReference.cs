namespace FixedNorm.Tests.Infrastructure;

/// <summary>Float64 BatchNorm references over a tensor seen as [outer, channels, inner].</summary>
public sealed record BatchNormLayout(int Outer, int Channels, int Inner)
{
    public int Count => Outer * Inner;

    public static BatchNormLayout Of(int[] shape, int channelAxis)
    {
        if (channelAxis < 0)
        {
            channelAxis += shape.Length;
        }

        return new BatchNormLayout(
            shape.Take(channelAxis).Aggregate(1, (a, b) => a * b),
            shape[channelAxis],
            shape.Skip(channelAxis + 1).Aggregate(1, (a, b) => a * b));
    }

    public IEnumerable<int> Indices(int channel)
    {
        for (int o = 0; o < Outer; o++)
        {
            for (int i = 0; i < Inner; i++)
            {
                yield return (((o * Channels) + channel) * Inner) + i;
            }
        }
    }
}

public static class BatchNormReference
{
    /// <summary>One training step: output, batch mean, rstd, and the updated running statistics (in place).</summary>
    public static (double[] Output, double[] Mean, double[] Rstd) Training(
        double[] x, BatchNormLayout layout, double epsilon, double momentum, double[]? weight, double[]? bias,
        double[]? runningMean, double[]? runningVar, bool unbiased = true)
    {
        var output = new double[x.Length];
        var mean = new double[layout.Channels];
        var rstd = new double[layout.Channels];
        for (int c = 0; c < layout.Channels; c++)
        {
            int[] indices = layout.Indices(c).ToArray();
            double m = indices.Average(i => x[i]);
            double sumOfSquares = indices.Sum(i => (x[i] - m) * (x[i] - m));
            double variance = sumOfSquares / indices.Length;
            double r = 1 / Math.Sqrt(variance + epsilon);
            foreach (int i in indices)
            {
                output[i] = ((x[i] - m) * r * (weight?[c] ?? 1)) + (bias?[c] ?? 0);
            }

            mean[c] = m;
            rstd[c] = r;
            if (runningMean is not null && runningVar is not null)
            {
                runningMean[c] = ((1 - momentum) * runningMean[c]) + (momentum * m);
                runningVar[c] = ((1 - momentum) * runningVar[c]) + (momentum * (unbiased ? sumOfSquares / (indices.Length - 1) : variance));
            }
        }

        return (output, mean, rstd);
    }

    public static double[] Inference(
        double[] x, BatchNormLayout layout, double epsilon, double[]? weight, double[]? bias, double[] runningMean, double[] runningVar)
    {
        var output = new double[x.Length];
        for (int c = 0; c < layout.Channels; c++)
        {
            double r = 1 / Math.Sqrt(runningVar[c] + epsilon);
            foreach (int i in layout.Indices(c))
            {
                output[i] = ((x[i] - runningMean[c]) * r * (weight?[c] ?? 1)) + (bias?[c] ?? 0);
            }
        }

        return output;
    }
}

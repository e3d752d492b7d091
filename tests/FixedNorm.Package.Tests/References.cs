namespace FixedNorm.Package.Tests;

/// <summary>Float64 LayerNorm and BatchNorm, written out plainly, to check the packed kernels against.</summary>
public static class References
{
    /// <summary>LayerNorm over consecutive groups of <paramref name="groupSize"/> values.</summary>
    public static (double[] Output, double[] Mean, double[] Rstd) LayerNorm(
        double[] x, int groupSize, double epsilon, double[]? weight = null, double[]? bias = null)
    {
        int groups = x.Length / groupSize;
        var output = new double[x.Length];
        var mean = new double[groups];
        var rstd = new double[groups];
        for (int g = 0; g < groups; g++)
        {
            double m = 0;
            for (int i = 0; i < groupSize; i++)
            {
                m += x[(g * groupSize) + i];
            }

            m /= groupSize;
            double variance = 0;
            for (int i = 0; i < groupSize; i++)
            {
                double d = x[(g * groupSize) + i] - m;
                variance += d * d;
            }

            variance /= groupSize;
            double r = 1 / Math.Sqrt(variance + epsilon);
            for (int i = 0; i < groupSize; i++)
            {
                int at = (g * groupSize) + i;
                output[at] = ((x[at] - m) * r * (weight?[i] ?? 1)) + (bias?[i] ?? 0);
            }

            mean[g] = m;
            rstd[g] = r;
        }

        return (output, mean, rstd);
    }

    /// <summary>
    /// One BatchNorm training step on [outer, channels, inner] data, as PyTorch does it: batch mean
    /// and biased variance normalize; the running variance takes the unbiased one. Updates the
    /// running statistics in place.
    /// </summary>
    public static (double[] Output, double[] Mean, double[] Rstd) BatchNormTraining(
        double[] x, int channels, int inner, double epsilon, double momentum,
        double[]? weight, double[]? bias, double[] runningMean, double[] runningVar)
    {
        int outer = x.Length / (channels * inner);
        int count = outer * inner;
        var output = new double[x.Length];
        var mean = new double[channels];
        var rstd = new double[channels];
        for (int c = 0; c < channels; c++)
        {
            int[] indices = Enumerable.Range(0, outer)
                .SelectMany(o => Enumerable.Range(0, inner).Select(i => (((o * channels) + c) * inner) + i))
                .ToArray();
            double m = indices.Sum(i => x[i]) / count;
            double sumOfSquares = indices.Sum(i => (x[i] - m) * (x[i] - m));
            double r = 1 / Math.Sqrt((sumOfSquares / count) + epsilon);
            foreach (int i in indices)
            {
                output[i] = ((x[i] - m) * r * (weight?[c] ?? 1)) + (bias?[c] ?? 0);
            }

            mean[c] = m;
            rstd[c] = r;
            runningMean[c] = ((1 - momentum) * runningMean[c]) + (momentum * m);
            runningVar[c] = ((1 - momentum) * runningVar[c]) + (momentum * sumOfSquares / (count - 1));
        }

        return (output, mean, rstd);
    }
}

namespace FixedNorm.Tests.Infrastructure;

/// <summary>Float64 references computed the plain way: two passes, biased variance.</summary>
public static class Reference
{
    /// <summary>LayerNorm of <paramref name="groups"/> contiguous groups of <paramref name="groupSize"/> elements.</summary>
    public static (double[] Output, double[] Mean, double[] Rstd) LayerNorm(
        double[] input, int groups, int groupSize, double epsilon, double[]? weight, double[]? bias)
    {
        var output = new double[input.Length];
        var mean = new double[groups];
        var rstd = new double[groups];
        for (int g = 0; g < groups; g++)
        {
            ReadOnlySpan<double> x = input.AsSpan(g * groupSize, groupSize);
            double m = 0;
            foreach (double v in x)
            {
                m += v;
            }

            m /= groupSize;
            double variance = 0;
            foreach (double v in x)
            {
                variance += (v - m) * (v - m);
            }

            variance /= groupSize;
            double r = 1 / Math.Sqrt(variance + epsilon);
            for (int j = 0; j < groupSize; j++)
            {
                output[(g * groupSize) + j] = ((x[j] - m) * r * (weight?[j] ?? 1)) + (bias?[j] ?? 0);
            }

            mean[g] = m;
            rstd[g] = r;
        }

        return (output, mean, rstd);
    }

    /// <summary>Groups and group size for a LayerNorm shape normalized over axes [axis, rank).</summary>
    public static (int Groups, int GroupSize) Split(int[] shape, int axis)
    {
        if (axis < 0)
        {
            axis += shape.Length;
        }

        int groups = shape.Take(axis).Aggregate(1, (a, b) => a * b);
        int groupSize = shape.Skip(axis).Aggregate(1, (a, b) => a * b);
        return (groups, groupSize);
    }

    public static double MaxAbsDifference(IReadOnlyList<double> expected, IReadOnlyList<double> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        double max = 0;
        for (int i = 0; i < expected.Count; i++)
        {
            double difference = Math.Abs(expected[i] - actual[i]);
            if (double.IsNaN(difference))
            {
                return double.PositiveInfinity;
            }

            max = Math.Max(max, difference);
        }

        return max;
    }
}

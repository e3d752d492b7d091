namespace FixedNorm.Tests.Infrastructure;

/// <summary>
/// Data for kernels tested at every alignment: arrays with a start of padding before the span a kernel gets (the span
/// starting 0 to 15 floats into its array covers every distance from a 64-byte line), and Gaussian values.
/// </summary>
public static class Placement
{
    /// <summary>What the padding before a span holds; a kernel must leave it so.</summary>
    public const float Untouched = -12345f;

    public static TheoryData<int> FloatStarts() => new(Enumerable.Range(0, 16));

    public static TheoryData<int> DoubleStarts() => new(Enumerable.Range(0, 8));

    /// <summary>A copy with <paramref name="start"/> elements of <see cref="Untouched"/> before it.</summary>
    public static T[] Padded<T>(T[] values, int start)
        where T : struct
    {
        T[] padded = new T[start + values.Length];
        Array.Fill(padded, typeof(T) == typeof(float) ? (T)(object)Untouched : (T)(object)(double)Untouched, 0, start);
        values.CopyTo(padded, start);
        return padded;
    }

    /// <summary>The padding is untouched, and the span matches the reference within <paramref name="tolerance"/>.</summary>
    public static void AssertMatches(double[] expected, float[] padded, int start, double tolerance)
    {
        Assert.All(padded[..start], v => Assert.Equal(Untouched, v));
        Assert.InRange(Reference.MaxAbsDifference(expected, Arrays.ToDouble(padded[start..])), 0, tolerance);
    }

    /// <summary>
    /// Each group's float mean within <paramref name="meanTolerance"/> (relative past 1) and rstd within 2e-6 relative of
    /// the reference, both read from element <paramref name="start"/> on.
    /// </summary>
    public static void AssertStatistics(double[] expectedMean, double[] expectedRstd, float[] mean, float[] rstd, int start, double meanTolerance)
    {
        for (int g = 0; g < expectedMean.Length; g++)
        {
            Assert.InRange(Math.Abs(mean[start + g] - expectedMean[g]), 0, meanTolerance * (1 + Math.Abs(expectedMean[g])));
            Assert.InRange(Math.Abs(rstd[start + g] - expectedRstd[g]) / expectedRstd[g], 0, 2e-6);
        }
    }

    public static float[] Values(Random random, int length, double offset, double scale = 1) =>
        Enumerable.Range(0, length).Select(_ => (float)(offset + (scale * Gaussian(random)))).ToArray();

    /// <summary>A standard normal value (Box-Muller).</summary>
    public static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}

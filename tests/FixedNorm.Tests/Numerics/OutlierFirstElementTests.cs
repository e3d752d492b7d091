using FixedNorm.Tests.Infrastructure;

namespace FixedNorm.Tests.Numerics;

/// <summary>
/// The vector LayerNorm plan sums deviations from each group's first element in one pass. When that element is an
/// outlier those sums cancel, and the kernel must take its second pass around the mean: here the first element lies
/// 10 from the others, which spread over +-0.1 (without the second pass, rstd is off by 1e-4 or more).
/// </summary>
public sealed class OutlierFirstElementTests
{
    private static readonly (string Name, int Groups, int GroupSize)[] Shapes =
    [
        ("Row768", 4, 768),    // whole vectors
        ("Row100", 3, 100),    // vector tails
        ("Row3000", 2, 3000),  // chunked sums
    ];

    private static readonly Lazy<CompiledKernels> Kernels = new(() => CompiledKernels.Compile(Shapes.Select(s =>
        new KernelDeclaration(s.Name, $"[LayerNorm({s.Groups}, {s.GroupSize})]", "float", ["input", "output", "mean", "rstd"]))));

    public static TheoryData<int, double> Cases() => new()
    {
        { 0, 100 }, { 1, 100 }, { 2, 100 },
        { 0, 0 }, { 1, 0 }, { 2, 0 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void OutlierFirstElementMatchesFloat64Reference(int shape, double offset)
    {
        (string name, int groups, int groupSize) = Shapes[shape];
        var random = new Random(shape);
        float[] x = new float[groups * groupSize];
        for (int g = 0; g < groups; g++)
        {
            for (int i = 0; i < groupSize; i++)
            {
                x[(g * groupSize) + i] = (float)(offset + (0.1 * ((random.NextDouble() * 2) - 1)));
            }

            // The first element: 100 times the others' spread away from them, on alternating sides.
            x[g * groupSize] = (float)(offset + (g % 2 == 0 ? 10 : -10));
        }

        double[] xs = Arrays.ToDouble(x);
        (double[] expected, double[] expectedMean, double[] expectedRstd) = Reference.LayerNorm(xs, groups, groupSize, 1e-5, null, null);

        float[] output = new float[x.Length], mean = new float[groups], rstd = new float[groups];
        Kernels.Value.Run(name, x, output, mean, rstd);

        Assert.InRange(Reference.MaxAbsDifference(expected, Arrays.ToDouble(output)), 0, 2e-5);
        Assert.InRange(Reference.MaxAbsDifference(expectedMean, Arrays.ToDouble(mean)), 0, 1e-4 * (1 + offset));
        for (int g = 0; g < groups; g++)
        {
            Assert.InRange(Math.Abs(rstd[g] - expectedRstd[g]) / expectedRstd[g], 0, 2e-6);
        }
    }
}

using FixedNorm.Tests.Infrastructure;

namespace FixedNorm.Tests.Numerics;

/// <summary>
/// Float BatchNorm training adds each channel's raw values into double lanes and the squares of their deviations from
/// its first value into float lanes for a while, then into double totals. Across channels ((N, C) and channels-last:
/// channels as vector lanes, rows in memory order) a lane once added 64 rows in float: that rounding, magnified up to 17
/// times where a channel's first value lies just inside the 4 standard deviations that trigger a second pass, put running
/// variances up to 7 float ulps and rstd up to 32 ulps from float64 (PyTorch: within an ulp). Now 8 rows. Every plan
/// (rows in registers, stack tables, two passes per block, runs in memory order) is held here to what the README
/// promises: running statistics within 2 float ulps of float64 and the mean within 1; rstd within 12 ulps (measured: 6 on
/// Vector512, 8 on Vector128); on unit normal data and on data whose first value per channel lies 3.9 standard
/// deviations out.
/// </summary>
public sealed class TrainingStatisticsAccuracyTests
{
    private static readonly (string Name, string Attribute, int Outer, int Channels, int Inner)[] Shapes =
    [
        ("Rows256x64", "[BatchNorm(256, 64)]", 256, 64, 1),            // four blocks in registers (Vector512)
        ("Rows40x35", "[BatchNorm(40, 35)]", 40, 35, 1),               // a last block overlapping the one before it
        ("Rows64x300", "[BatchNorm(64, 300)]", 64, 300, 1),            // per-channel stack tables
        ("Rows32x2048", "[BatchNorm(32, 2048)]", 32, 2048, 1),         // past the tables: two passes per block
        ("ChannelsLast", "[BatchNorm(8, 4, 4, 300, ChannelAxis = -1)]", 128, 300, 1), // (N, H, W, C): 128 rows of 300
        ("Rows1003x16", "[BatchNorm(1003, 16)]", 1003, 16, 1),         // 3 rows left over after the last whole chunk of 8
        ("Runs256", "[BatchNorm(16, 8, 256)]", 16, 8, 256),          // runs in memory order, 4 rows a visit
        ("Runs1024", "[BatchNorm(4, 8, 1024)]", 4, 8, 1024),         // 1024 values a visit: up to 64 a lane on Vector128
        ("Runs32", "[BatchNorm(64, 4, 32)]", 64, 4, 32),
    ];

    private static readonly Lazy<CompiledKernels> Kernels = new(() => CompiledKernels.Compile(Shapes.Select(s =>
        new KernelDeclaration(s.Name, s.Attribute, "float", ["input", "runningMean", "runningVar", "mean", "rstd", "output"]))));

    public static TheoryData<int, bool, int> Cases()
    {
        var cases = new TheoryData<int, bool, int>();
        for (int shape = 0; shape < Shapes.Length; shape++)
        {
            foreach (bool edge in new[] { false, true })
            {
                for (int seed = 0; seed < 3; seed++)
                {
                    cases.Add(shape, edge, seed);
                }
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void StatisticsAreWithinAFewUlpsOfFloat64(int shape, bool edge, int seed)
    {
        (string name, _, int outer, int channels, int inner) = Shapes[shape];
        var layout = new BatchNormLayout(outer, channels, inner);
        var random = new Random((shape * 100) + seed);
        float[] x = Enumerable.Range(0, outer * channels * inner)
            .Select(_ => (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble())))
            .ToArray();
        if (edge)
        {
            // Each channel's first value 3.9 standard deviations (of its other values) above their mean: just inside the
            // threshold of the second pass, where the shifted sums cancel the most.
            for (int c = 0; c < channels; c++)
            {
                int[] indices = [.. layout.Indices(c)];
                double[] rest = indices.Skip(1).Select(i => (double)x[i]).ToArray();
                double restMean = rest.Average();
                x[indices[0]] = (float)(restMean + (3.9 * Math.Sqrt(rest.Sum(v => (v - restMean) * (v - restMean)) / rest.Length)));
            }
        }

        double[] expectedRunningMean = new double[channels], expectedRunningVar = Enumerable.Repeat(1.0, channels).ToArray();
        (double[] expected, double[] expectedMean, double[] expectedRstd) =
            BatchNormReference.Training(Arrays.ToDouble(x), layout, 1e-5, 0.1, null, null, expectedRunningMean, expectedRunningVar);

        float[] runningMean = new float[channels], runningVar = Enumerable.Repeat(1f, channels).ToArray();
        float[] mean = new float[channels], rstd = new float[channels], output = new float[x.Length];
        Kernels.Value.Run(name, x, runningMean, runningVar, mean, rstd, output);

        static double Ulps(float actual, double exact) =>
            Math.Abs(actual - exact) / (MathF.BitIncrement((float)Math.Abs(exact)) - (float)Math.Abs(exact));
        for (int c = 0; c < channels; c++)
        {
            Assert.True(Ulps(mean[c], expectedMean[c]) <= 1, $"mean[{c}]: {Ulps(mean[c], expectedMean[c]):F2} ulps");
            Assert.True(Ulps(runningMean[c], expectedRunningMean[c]) <= 1, $"runningMean[{c}]: {Ulps(runningMean[c], expectedRunningMean[c]):F2} ulps");
            Assert.True(Ulps(runningVar[c], expectedRunningVar[c]) <= 2, $"runningVar[{c}]: {Ulps(runningVar[c], expectedRunningVar[c]):F2} ulps");
            Assert.True(Ulps(rstd[c], expectedRstd[c]) <= 12, $"rstd[{c}]: {Ulps(rstd[c], expectedRstd[c]):F2} ulps");
        }

        Assert.InRange(Reference.MaxAbsDifference(expected, Arrays.ToDouble(output)), 0, 3e-6);
    }

    private static readonly (string Name, string Attribute, int Outer, int Channels, int Inner, int Ulps)[] DoubleShapes =
    [
        ("Rows256x32", "[BatchNorm(256, 32)]", 256, 32, 1, 8),           // four blocks in registers (Vector512)
        ("Rows1024x64", "[BatchNorm(1024, 64)]", 1024, 64, 1, 8),        // per-channel stack tables
        ("Rows64x2048", "[BatchNorm(64, 2048)]", 64, 2048, 1, 8),        // past the tables: two passes per block
        ("ChannelsLast", "[BatchNorm(8, 4, 4, 300, ChannelAxis = -1)]", 128, 300, 1, 8),
        ("Runs256", "[BatchNorm(16, 8, 256)]", 16, 8, 256, 128),         // runs: one pass around the first value (25 ulps on Vector512, 75 on Vector128)
    ];

    private static readonly Lazy<CompiledKernels> DoubleKernels = new(() => CompiledKernels.Compile(DoubleShapes.Select(s =>
        new KernelDeclaration(s.Name, s.Attribute, "double", ["input", "runningMean", "runningVar", "mean", "rstd", "output"]))));

    public static TheoryData<int, string> DoubleCases()
    {
        var cases = new TheoryData<int, string>();
        for (int shape = 0; shape < DoubleShapes.Length; shape++)
        {
            foreach (string data in new[] { "normal", "edge", "scaled" })
            {
                cases.Add(shape, data);
            }
        }

        return cases;
    }

    /// <summary>
    /// Double kernels across channels once took the squares of the deviations from each channel's first row in one pass
    /// and over every row at once: up to 130 double ulps in the running variance and rstd, where PyTorch (cascaded sums
    /// around the mean) stays within an ulp or two. Now a second pass around the mean, a chunk of rows at a time: held to
    /// 8 ulps (4 and 6 measured) of a reference summed in double-double, on unit normal data, a first value 3.9 standard
    /// deviations out, and normal data scaled by 100 (variances near 1e4). The runs plan (NCL) still sums around each
    /// channel's first value in one pass and is held to what it gives: 128 (75 measured on the Vector128 path).
    /// </summary>
    [Theory]
    [MemberData(nameof(DoubleCases))]
    public void DoubleStatisticsAreWithinAFewUlps(int shape, string data)
    {
        (string name, _, int outer, int channels, int inner, int ulps) = DoubleShapes[shape];
        var layout = new BatchNormLayout(outer, channels, inner);
        var random = new Random(500 + shape);
        double[] x = Enumerable.Range(0, outer * channels * inner)
            .Select(_ => (data == "scaled" ? 100 : 1) * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()))
            .ToArray();
        for (int c = 0; c < channels && data == "edge"; c++)
        {
            int[] indices = [.. layout.Indices(c)];
            double[] rest = indices.Skip(1).Select(i => x[i]).ToArray();
            double restMean = rest.Average();
            x[indices[0]] = restMean + (3.9 * Math.Sqrt(rest.Sum(v => (v - restMean) * (v - restMean)) / rest.Length));
        }

        double[] runningMean = new double[channels], runningVar = Enumerable.Repeat(1.0, channels).ToArray();
        double[] mean = new double[channels], rstd = new double[channels], output = new double[x.Length];
        DoubleKernels.Value.Run(name, x, runningMean, runningVar, mean, rstd, output);

        static double Ulps(double actual, double exact) => Math.Abs(actual - exact) / (Math.BitIncrement(Math.Abs(exact)) - Math.Abs(exact));
        for (int c = 0; c < channels; c++)
        {
            (double exactMean, double exactRstd, double exactRunningVar) = DoubleDoubleStatistics([.. layout.Indices(c).Select(i => x[i])]);
            Assert.True(Ulps(rstd[c], exactRstd) <= ulps, $"rstd[{c}]: {Ulps(rstd[c], exactRstd):F2} ulps");
            Assert.True(Ulps(runningVar[c], exactRunningVar) <= ulps, $"runningVar[{c}]: {Ulps(runningVar[c], exactRunningVar):F2} ulps");
            // A mean near zero has no useful ulps: its error against the spread (1.1e-15 measured).
            Assert.True(Math.Abs(mean[c] - exactMean) * exactRstd <= 4e-15, $"mean[{c}]: {Math.Abs(mean[c] - exactMean) * exactRstd:G3} of a deviation");
        }
    }

    /// <summary>
    /// Mean, rstd (eps 1e-5) and the running variance after one step from 1 (momentum 0.1, unbiased), with the sums in
    /// double-double (Knuth's TwoSum): within about an ulp of exact.
    /// </summary>
    private static (double Mean, double Rstd, double RunningVar) DoubleDoubleStatistics(double[] values)
    {
        static (double Hi, double Lo) Add((double Hi, double Lo) a, double b)
        {
            double s = a.Hi + b;
            double v = s - a.Hi;
            double error = (a.Hi - (s - v)) + (b - v) + a.Lo;
            double hi = s + error;
            return (hi, error - (hi - s));
        }

        int n = values.Length;
        (double Hi, double Lo) sum = (0, 0);
        foreach (double value in values)
        {
            sum = Add(sum, value);
        }

        double meanHi = sum.Hi / n;
        double meanLo = (Math.FusedMultiplyAdd(-meanHi, n, sum.Hi) + sum.Lo) / n;
        (double Hi, double Lo) squares = (0, 0);
        foreach (double value in values)
        {
            (double Hi, double Lo) d = Add((value, 0), -meanHi);
            double deviation = d.Hi + (d.Lo - meanLo);
            double square = deviation * deviation;
            squares = Add(Add(squares, square), Math.FusedMultiplyAdd(deviation, deviation, -square));
        }

        double sumOfSquares = squares.Hi + squares.Lo;
        return (meanHi + meanLo, 1 / Math.Sqrt((sumOfSquares / n) + 1e-5), 0.9 + (0.1 * sumOfSquares / (n - 1)));
    }
}

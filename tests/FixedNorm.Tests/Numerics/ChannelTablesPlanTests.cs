using FixedNorm.Tests.Infrastructure;

namespace FixedNorm.Tests.Numerics;

/// <summary>
/// Channels-last BatchNorm with more blocks of channels than the registers hold (ChannelTablesBatchNormEmitter): the
/// statistics a group of blocks at a time over every row, per-channel values in stack tables, one store pass in row
/// order; against the float64 reference on whichever vector path this run takes (CI runs Vector512, Vector256 and
/// Vector128). Shapes with whole groups only, a group left over, vector and scalar channels after the blocks, a weight or
/// a bias alone, double, in place, and the batch statistics written out; the store pass in one chunk of rows, in several,
/// and a row at a time. Also the row-order plan's overlapping last block, where the channels are not whole blocks (the
/// running statistics of the channels two blocks share updated once).
/// </summary>
public sealed class ChannelTablesPlanTests
{
    private const string TrainingPlan = "(a group's sums in registers)";
    private const string InferencePlan = "into a stack table; then the store pass by chunks of rows.";

    private static readonly (string Name, string Attribute, string Type, int[] Shape, string[] Affine, bool Training)[] Cases =
    [
        ("T256", "[BatchNorm(8, 4, 4, 256, ChannelAxis = -1)]", "float", [8, 4, 4, 256], ["weight", "bias"], true),
        ("T200", "[BatchNorm(70, 200, Momentum = 0.3)]", "float", [70, 200], ["weight", "bias"], true),         // blocks, a vector, none left (V512: 12 + a Vector256)
        ("T150", "[BatchNorm(3, 40, 150, ChannelAxis = 2, RunningVariance = BatchNormRunningVariance.Population)]", "float", [3, 40, 150], ["weight"], true), // + 2 channels
        ("T68", "[BatchNorm(65, 68)]", "float", [65, 68], ["bias"], true),                                     // 4 + a Vector128 on V512, a group left over on V128
        ("T99", "[BatchNorm(33, 99)]", "float", [33, 99], [], true),                                            // a vector and 3 channels after
        ("T96d", "[BatchNorm(40, 96)]", "double", [40, 96], ["weight", "bias"], true),
        ("T37d", "[BatchNorm(17, 37, Momentum = 0.3)]", "double", [17, 37], ["weight", "bias"], true),
        ("T64", "[BatchNorm(40, 64)]", "float", [40, 64], ["weight", "bias"], true), // the suite's channels: in registers on Vector512 only
        // Channels that are not whole blocks, in registers on Vector512 (and Vector256) with a last block overlapping the
        // one before it: a vector left (24, 40), a vector and single channels (11 doubles), single channels (20 on Vector256).
        ("T24", "[BatchNorm(50, 24)]", "float", [50, 24], ["weight", "bias"], true),
        ("T20", "[BatchNorm(3, 7, 20, ChannelAxis = 2)]", "float", [3, 7, 20], ["bias"], true),
        ("T11d", "[BatchNorm(30, 11)]", "double", [30, 11], ["weight", "bias"], true),
        ("T40", "[BatchNorm(33, 40, RunningVariance = BatchNormRunningVariance.Population)]", "float", [33, 40], [], true),
        ("I300", "[BatchNorm(5, 6, 300, ChannelAxis = -1, Mode = BatchNormMode.Inference)]", "float", [5, 6, 300], ["weight", "bias"], false),
        ("I150", "[BatchNorm(40, 150, Mode = BatchNormMode.Inference)]", "float", [40, 150], ["weight", "bias"], false),
        ("I260", "[BatchNorm(9, 260, Mode = BatchNormMode.Inference)]", "float", [9, 260], ["bias"], false),
        ("I131d", "[BatchNorm(12, 131, Mode = BatchNormMode.Inference)]", "double", [12, 131], ["weight"], false),
        // 37 and 41 rows, prime and past a chunk of the store pass (16 KB): a row at a time.
        ("I37", "[BatchNorm(37, 300, Mode = BatchNormMode.Inference)]", "float", [37, 300], ["weight", "bias"], false),
        ("T41", "[BatchNorm(41, 200)]", "float", [41, 200], ["weight", "bias"], true),
    ];

    private static readonly Lazy<CompiledKernels> Kernels = new(() => CompiledKernels.Compile(Cases.Select(k => new KernelDeclaration(
        k.Name, k.Attribute, k.Type,
        k.Training ? ["input", .. k.Affine, "runningMean", "runningVar", "mean", "rstd", "output"] : ["input", .. k.Affine, "runningMean", "runningVar", "output"],
        k.Training ? null : ["runningMean", "runningVar"]))));

    public static TheoryData<int, string> CasesAndData() => new(
        Enumerable.Range(0, Cases.Length).SelectMany(i => (Cases[i].Training ? new[] { "normal", "offset", "outlier", "constant" } : ["normal"]).Select(d => (i, d))));

    /// <summary>Every kernel above takes the plan on the Vector128 path, and where it has the blocks for it on the wider ones.</summary>
    [Fact]
    public void EachKernelTakesThePlan()
    {
        foreach ((string name, _, _, _, _, bool training) in Cases)
        {
            string source = Assert.Single(Kernels.Value.GeneratedSources, s => s.Contains($" void {name}(", StringComparison.Ordinal));
            string vector128 = source[source.LastIndexOf("// Vector128: also correct", StringComparison.Ordinal)..];
            Assert.Contains(training ? TrainingPlan : InferencePlan, vector128, StringComparison.Ordinal);
        }

        // 256 channels take it on Vector512 too; 64 (the suite's channels-last shape) stay in registers there and take it
        // on Vector256, where block by block was 3 times slower than this ([16, 32, 32, 64] training 811 us against 252).
        static (string Vector512, string Vector256) Paths(string source)
        {
            int vector512 = source.IndexOf("static void Vector512Path(", StringComparison.Ordinal);
            int vector256 = source.IndexOf("static void Vector256Path(", StringComparison.Ordinal);
            return (source[vector512..vector256], source[vector256..source.IndexOf("static void Vector128Path(", StringComparison.Ordinal)]);
        }

        string Source(string name) => Assert.Single(Kernels.Value.GeneratedSources, s => s.Contains($" void {name}(", StringComparison.Ordinal));
        Assert.Contains("// 16 blocks of 16 channels: the sums 4 blocks at a time", Paths(Source("T256")).Vector512, StringComparison.Ordinal);
        Assert.DoesNotContain(TrainingPlan, Paths(Source("T64")).Vector512, StringComparison.Ordinal);
        Assert.Contains("// 8 blocks of 8 channels: the sums 4 blocks at a time", Paths(Source("T64")).Vector256, StringComparison.Ordinal);
        foreach (string name in new[] { "T24", "T20", "T11d", "T40" })
        {
            Assert.Contains(", overlapping the block before it: statistics per lane", Paths(Source(name)).Vector512, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(CasesAndData))]
    public void MatchesTheReference(int index, string data)
    {
        (string name, string attribute, string t, int[] shape, string[] affine, bool training) = Cases[index];
        int channelAxis = attribute.Contains("ChannelAxis = -1", StringComparison.Ordinal) ? -1 : attribute.Contains("ChannelAxis = 2", StringComparison.Ordinal) ? 2 : 1;
        BatchNormLayout layout = BatchNormLayout.Of(shape, channelAxis);
        Assert.Equal(1, layout.Inner);
        int channels = layout.Channels, total = layout.Outer * channels;
        var random = new Random(300 + index);
        double[] x = Arrays.ToDouble(Arrays.Of(t, Enumerable.Range(0, total).Select(i => data switch
        {
            "offset" => 10_000 + (i % channels) + random.NextDouble(),
            "outlier" => i < channels ? 50 + i : (random.NextDouble() * 2) - 1,
            "constant" => i % channels == 0 || i % channels == channels - 1 ? 3.75 : random.NextDouble(), // the first and last channels constant
            _ => (random.NextDouble() * 4) - 1,
        })));
        double[] w = Arrays.ToDouble(Arrays.Of(t, Enumerable.Range(0, channels).Select(_ => 1 + (0.2 * random.NextDouble()))));
        double[] b = Arrays.ToDouble(Arrays.Of(t, Enumerable.Range(0, channels).Select(_ => random.NextDouble() - 0.5)));
        double[] runningMean = Arrays.ToDouble(Arrays.Of(t, Enumerable.Range(0, channels).Select(_ => random.NextDouble())));
        double[] runningVar = Arrays.ToDouble(Arrays.Of(t, Enumerable.Range(0, channels).Select(_ => 0.5 + random.NextDouble())));
        double[]? weight = affine.Contains("weight") ? w : null, bias = affine.Contains("bias") ? b : null;
        Array rm = Arrays.Of(t, runningMean), rv = Arrays.Of(t, runningVar);
        Array input = Arrays.Of(t, x);
        Array output = index % 2 == 1 ? input : Arrays.Zeros(t, total); // every other kernel in place
        Array mean = Arrays.Zeros(t, channels), rstd = Arrays.Zeros(t, channels);
        Array[] parameters = [.. affine.Select(p => Arrays.Of(t, p == "weight" ? w : b))];
        (double[] Output, double[] Mean, double[] Rstd) expected = training
            ? BatchNormReference.Training(x, layout, 1e-5, attribute.Contains("Momentum = 0.3", StringComparison.Ordinal) ? 0.3 : 0.1, weight, bias,
                runningMean, runningVar, unbiased: !attribute.Contains("Population", StringComparison.Ordinal))
            : (BatchNormReference.Inference(x, layout, 1e-5, weight, bias, runningMean, runningVar), [], []);
        Kernels.Value.Run(name, training ? [input, .. parameters, rm, rv, mean, rstd, output] : [input, .. parameters, rm, rv, output]);

        // Outputs within 2e-6 of the reference per unit of |y| (|y| reaches 12 on the outlier row): float squares add up in
        // float over chunks of 8 rows, and around a shift some deviations from the mean, which magnifies their rounding
        // (2.3e-6 measured on the offset data at |y| = 2.1 when the chunks were of 64 rows, as the row-order plan gave). In double the reference's own
        // mean of 40 values near 10,000 is off by up to a few ulps of 10,000 (2e-12 each), 3e-11 once normalized.
        double tolerance = t == "float" ? 2e-6 : data == "offset" ? 5e-11 : 1e-12;
        // Variance and rstd relative: the plan's float squares are of deviations from each channel's first row, so a first
        // row away from the mean magnifies their rounding (1.1e-6 measured on the offset data; the block-by-block plan this
        // replaces squared deviations from the mean in a third pass, 1e-7); double 1.2e-14 on the outlier data (the
        // block-by-block plan 1.9e-14).
        double relative = t == "float" ? 2e-6 : 2e-14;
        double[] y = Arrays.ToDouble(output);
        for (int i = 0; i < y.Length; i++)
        {
            Assert.InRange(Math.Abs(y[i] - expected.Output[i]), 0, tolerance * Math.Max(1, Math.Abs(expected.Output[i])));
        }

        double[] newMean = Arrays.ToDouble(rm), newVar = Arrays.ToDouble(rv);
        for (int c = 0; c < channels; c++)
        {
            Assert.InRange(Math.Abs(newMean[c] - runningMean[c]), 0, (relative * Math.Abs(runningMean[c])) + 1e-300);
            Assert.InRange(Math.Abs(newVar[c] - runningVar[c]), 0, relative * Math.Abs(runningVar[c]));
        }

        if (training)
        {
            double[] batchMean = Arrays.ToDouble(mean), batchRstd = Arrays.ToDouble(rstd);
            for (int c = 0; c < channels; c++)
            {
                Assert.InRange(Math.Abs(batchMean[c] - expected.Mean[c]), 0, (relative * Math.Abs(expected.Mean[c])) + (t == "float" ? 1e-7 : 1e-15));
                Assert.InRange(Math.Abs(batchRstd[c] - expected.Rstd[c]), 0, relative * Math.Abs(expected.Rstd[c]));
            }
        }

        if (data == "constant")
        {
            for (int r = 0; r < layout.Outer; r++)
            {
                Assert.Equal(bias?[0] ?? 0, y[r * channels]);
                Assert.Equal(bias?[channels - 1] ?? 0, y[(r * channels) + channels - 1]);
            }
        }
    }
}

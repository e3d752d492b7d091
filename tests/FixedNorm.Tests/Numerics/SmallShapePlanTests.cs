using FixedNorm.Tests.Infrastructure;

namespace FixedNorm.Tests.Numerics;

/// <summary>
/// The plans for small shapes against the float64 reference, over shapes that take them: the transposed plans (a
/// Vector256 of groups or batch rows at a time: full blocks, leftover groups, one column, float and double, affine or
/// not, in place), channels as lanes just past them, the periodic plan (many rows of 1 to 3 float channels, or of runs
/// of 2 or 3 floats, with and without a loop, whole vectors and single elements after it), and runs too short for
/// vectors taken a period at a time from stack tables.
/// </summary>
public sealed class SmallShapePlanTests
{
    private static readonly (string Name, string Attribute, string Type, int[] Shape, bool Affine)[] LayerNorms =
    [
        ("L8x3", "[LayerNorm(8, 3)]", "float", [8, 3], false),
        ("L19x5", "[LayerNorm(19, 5, Epsilon = 1e-3)]", "float", [19, 5], true),
        ("L64x8", "[LayerNorm(64, 8)]", "float", [64, 8], true),
        ("L9x1", "[LayerNorm(9, 1)]", "float", [9, 1], true),
        ("L4x7d", "[LayerNorm(4, 7)]", "double", [4, 7], true),
        ("L10x2x3d", "[LayerNorm(10, 2, 3, Axis = 1)]", "double", [10, 2, 3], false),
    ];

    private const string Transposed = "the batch as the lanes of one Vector256 per channel";
    private const string ShuffledConstants = "the channels' constants as the lanes of one Vector256 each";
    private const string SummedRows = "the row vectors summed into per-channel lanes";
    private const string ChannelLanes = "vectors across contiguous channels";
    private const string Periodic = "the values as Vector256s in memory order";
    private const string PeriodTables = "values at a time, per-element values from stack tables.";
    private const string RunByRun = "per-channel values in stack buffers, one pass.";
    private const string RunByRunTraining = "per-channel values in stack buffers, a pass for the statistics and one to normalize.";

    // One Vector256 of rows; training past a few channels (float [8, 5], double [4, 7]) takes channels as lanes instead.
    private static readonly (string Name, string Attribute, string Type, int[] Shape, bool Affine, bool Training, string Plan)[] BatchNorms =
    [
        ("B8x3", "[BatchNorm(8, 3)]", "float", [8, 3], false, true, SummedRows),
        ("B8x5", "[BatchNorm(8, 5, Momentum = 0.3)]", "float", [8, 5], true, true, ChannelLanes),
        ("B8x5i", "[BatchNorm(8, 5, Mode = BatchNormMode.Inference)]", "float", [8, 5], true, false, ShuffledConstants),
        ("B4x7d", "[BatchNorm(4, 7, RunningVariance = BatchNormRunningVariance.Population)]", "double", [4, 7], true, true, ChannelLanes),
        ("B8x1", "[BatchNorm(8, 1)]", "float", [8, 1], true, true, SummedRows),
        ("B8x2", "[BatchNorm(8, 2)]", "float", [8, 2], false, true, SummedRows),
        ("B8x4", "[BatchNorm(8, 4)]", "float", [8, 4], true, true, SummedRows),
        ("B4x3d", "[BatchNorm(4, 3)]", "double", [4, 3], true, true, Transposed),
        ("B4x7di", "[BatchNorm(4, 7, Mode = BatchNormMode.Inference)]", "double", [4, 7], true, false, Transposed),
        ("B8x8", "[BatchNorm(8, 8)]", "float", [8, 8], true, true, ChannelLanes),
        ("B16x3", "[BatchNorm(16, 3)]", "float", [16, 3], true, true, Periodic),       // one loop step, nothing after it
        ("B100x3", "[BatchNorm(100, 3, Momentum = 0.3)]", "float", [100, 3], true, true, Periodic),    // 6 steps, a vector and 4 values after
        ("B37x2", "[BatchNorm(37, 2, RunningVariance = BatchNormRunningVariance.Population)]", "float", [37, 2], false, true, Periodic),      // 2 steps, a vector and 2 values after
        ("B21x1", "[BatchNorm(21, 1)]", "float", [21, 1], true, true, Periodic),       // no loop: 2 vectors and 5 values
        ("B100x3i", "[BatchNorm(100, 3, Mode = BatchNormMode.Inference)]", "float", [100, 3], true, false, Periodic),
        ("B37x2i", "[BatchNorm(37, 2, Mode = BatchNormMode.Inference)]", "float", [37, 2], true, false, Periodic),
        ("B21x1i", "[BatchNorm(21, 1, Mode = BatchNormMode.Inference)]", "float", [21, 1], true, false, Periodic),
        ("B10x3", "[BatchNorm(10, 3)]", "float", [10, 3], true, true, Periodic),       // one period and a quarter: 3 vectors, 6 values
        // Runs of 2 or 3 floats whose rows of C x L repeat within 3 Vector256s, periodic too: rows of 4 (whole periods
        // only), 6 (3 vectors a period, 2 values after), 12 (a step of 3 vectors, one vector and 12 values after),
        // 16 (2 vectors a period), and a single channel.
        ("B128x2x2i", "[BatchNorm(128, 2, 2, Mode = BatchNormMode.Inference)]", "float", [128, 2, 2], true, false, Periodic),
        ("B128x2x2", "[BatchNorm(128, 2, 2)]", "float", [128, 2, 2], true, true, Periodic),
        ("B131x3x2", "[BatchNorm(131, 3, 2, RunningVariance = BatchNormRunningVariance.Population)]", "float", [131, 3, 2], false, true, Periodic),
        ("B37x4x3", "[BatchNorm(37, 4, 3, Momentum = 0.3)]", "float", [37, 4, 3], true, true, Periodic),
        ("B37x4x3i", "[BatchNorm(37, 4, 3, Mode = BatchNormMode.Inference)]", "float", [37, 4, 3], true, false, Periodic),
        ("B20x8x2", "[BatchNorm(20, 8, 2)]", "float", [20, 8, 2], true, true, Periodic),
        ("B33x1x2", "[BatchNorm(33, 1, 2)]", "float", [33, 1, 2], true, true, Periodic),
        // Runs under 64 bytes, the store pass a period at a time from stack tables: whole periods only; values after
        // them; runs of 9 (2 Vector256 or 3 Vector128 stores to fill a table's run); runs of 13 floats and 5 doubles;
        // runs of 2 in rows of 10 (a period of 5 Vector256s, past the periodic plan).
        ("B64x5x2i", "[BatchNorm(64, 5, 2, Mode = BatchNormMode.Inference)]", "float", [64, 5, 2], true, false, PeriodTables),
        ("B65x3x9", "[BatchNorm(65, 3, 9)]", "float", [65, 3, 9], true, true, PeriodTables),
        ("B131x5x2", "[BatchNorm(131, 5, 2, RunningVariance = BatchNormRunningVariance.Population)]", "float", [131, 5, 2], false, true, PeriodTables),
        ("B70x5x13i", "[BatchNorm(70, 5, 13, Mode = BatchNormMode.Inference)]", "float", [70, 5, 13], true, false, PeriodTables),
        ("B40x3x3d", "[BatchNorm(40, 3, 3, Momentum = 0.3)]", "double", [40, 3, 3], true, true, PeriodTables),
        ("B41x3x5di", "[BatchNorm(41, 3, 5, Mode = BatchNormMode.Inference)]", "double", [41, 3, 5], true, false, PeriodTables),
        // Run by run: one period of runs of 7 (too few to pay for the tables); training of 2 channels.
        ("B16x3x7i", "[BatchNorm(16, 3, 7, Mode = BatchNormMode.Inference)]", "float", [16, 3, 7], true, false, RunByRun),
        ("B64x2x5", "[BatchNorm(64, 2, 5)]", "float", [64, 2, 5], true, true, RunByRunTraining),
    ];

    private static readonly Lazy<CompiledKernels> Kernels = new(() => CompiledKernels.Compile(
        LayerNorms.Select(k => new KernelDeclaration(k.Name, k.Attribute, k.Type,
                k.Affine ? ["input", "weight", "bias", "output", "mean", "rstd"] : ["input", "output", "mean", "rstd"]))
            .Concat(BatchNorms.Select(k => new KernelDeclaration(k.Name, k.Attribute, k.Type,
                k.Training ? ["input", .. k.Affine ? new[] { "weight", "bias" } : [], "runningMean", "runningVar", "output"]
                           : ["input", "weight", "bias", "runningMean", "runningVar", "output"],
                k.Training ? null : ["runningMean", "runningVar"])))));

    public static TheoryData<int> LayerNormIndices() => new(Enumerable.Range(0, LayerNorms.Length));

    public static TheoryData<int> BatchNormIndices() => new(Enumerable.Range(0, BatchNorms.Length));

    [Fact]
    public void EachShapeTakesItsPlan()
    {
        Assert.Equal(LayerNorms.Length, Kernels.Value.GeneratedSources.Count(s => s.Contains("// Plan: 8 groups at a time", StringComparison.Ordinal) || s.Contains("// Plan: 4 groups at a time", StringComparison.Ordinal)));
        foreach ((string name, _, _, _, _, _, string plan) in BatchNorms)
        {
            string source = Assert.Single(Kernels.Value.GeneratedSources, s => s.Contains($" void {name}(", StringComparison.Ordinal));
            string planLine = Assert.Single(source.Split('\n'), line => line.TrimStart().StartsWith("// Plan: ", StringComparison.Ordinal));
            Assert.Contains(plan, planLine, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(LayerNormIndices))]
    public void LayerNormMatchesTheReference(int index)
    {
        (string name, _, string t, int[] shape, bool affine) = LayerNorms[index];
        var random = new Random(index);
        (int groups, int size) = Reference.Split(shape, index == 5 ? 1 : -1);
        double[] x = Arrays.ToDouble(Arrays.Of(t, Enumerable.Range(0, groups * size).Select(i => i % 11 == 0 ? 2.5 : random.NextDouble() * 4 - 2)));
        for (int i = 0; i < size; i++)
        {
            x[i] = 1.25; // a constant group: exactly bias
        }

        double[] w = Arrays.ToDouble(Arrays.Of(t, Enumerable.Range(0, size).Select(_ => 1 + (0.2 * random.NextDouble()))));
        double[] b = Arrays.ToDouble(Arrays.Of(t, Enumerable.Range(0, size).Select(_ => random.NextDouble() - 0.5)));
        var expected = Reference.LayerNorm(x, groups, size, index == 1 ? 1e-3 : 1e-5, affine ? w : null, affine ? b : null);
        Array data = Arrays.Of(t, x);
        Array mean = Arrays.Zeros(t, groups), rstd = Arrays.Zeros(t, groups);
        Kernels.Value.Run(name, affine ? [data, Arrays.Of(t, w), Arrays.Of(t, b), data, mean, rstd] : [data, data, mean, rstd]); // in place

        double tolerance = t == "float" ? 2e-6 : 1e-12;
        double[] output = Arrays.ToDouble(data);
        Assert.InRange(Reference.MaxAbsDifference(expected.Output, output), 0, tolerance);
        Assert.InRange(Reference.MaxAbsDifference(expected.Mean, Arrays.ToDouble(mean)), 0, tolerance);
        double[] actualRstd = Arrays.ToDouble(rstd);
        for (int g = 0; g < groups; g++)
        {
            // The constant group's rstd is 1 / sqrt(eps), 316 or 32: relative.
            Assert.InRange(Math.Abs(actualRstd[g] - expected.Rstd[g]) / expected.Rstd[g], 0, tolerance);
        }

        for (int i = 0; i < size; i++)
        {
            Assert.Equal(affine ? b[i] : 0, output[i]);
        }
    }

    [Theory]
    [MemberData(nameof(BatchNormIndices))]
    public void BatchNormMatchesTheReference(int index)
    {
        (string name, string attribute, string t, int[] shape, bool affine, bool training, _) = BatchNorms[index];
        var random = new Random(100 + index);
        BatchNormLayout layout = BatchNormLayout.Of(shape, 1);
        int total = shape.Aggregate((a, b) => a * b);
        double[] x = Arrays.ToDouble(Arrays.Of(t, Enumerable.Range(0, total).Select(_ => (random.NextDouble() * 4) - 1)));
        double[] w = Arrays.ToDouble(Arrays.Of(t, Enumerable.Range(0, layout.Channels).Select(_ => 1 + (0.2 * random.NextDouble()))));
        double[] b = Arrays.ToDouble(Arrays.Of(t, Enumerable.Range(0, layout.Channels).Select(_ => random.NextDouble() - 0.5)));
        double[] runningMean = Arrays.ToDouble(Arrays.Of(t, Enumerable.Range(0, layout.Channels).Select(_ => random.NextDouble())));
        double[] runningVar = Arrays.ToDouble(Arrays.Of(t, Enumerable.Range(0, layout.Channels).Select(_ => 0.5 + random.NextDouble())));
        Array rm = Arrays.Of(t, runningMean), rv = Arrays.Of(t, runningVar);
        double[] expected = training
            ? BatchNormReference.Training(x, layout, 1e-5, Momentum(attribute), affine ? w : null, affine ? b : null, runningMean, runningVar, Unbiased(attribute)).Output
            : BatchNormReference.Inference(x, layout, 1e-5, w, b, runningMean, runningVar);
        Array[] parameters = affine ? [Arrays.Of(t, w), Arrays.Of(t, b)] : [];
        Array input = Arrays.Of(t, x);
        Array output = index % 2 == 1 ? input : Arrays.Zeros(t, total); // every other kernel in place
        Kernels.Value.Run(name, [input, .. parameters, rm, rv, output]);

        double tolerance = t == "float" ? 2e-6 : 1e-12;
        Assert.InRange(Reference.MaxAbsDifference(expected, Arrays.ToDouble(output)), 0, tolerance);
        Assert.InRange(Reference.MaxAbsDifference(runningMean, Arrays.ToDouble(rm)), 0, tolerance);
        Assert.InRange(Reference.MaxAbsDifference(runningVar, Arrays.ToDouble(rv)), 0, tolerance);
    }

    /// <summary>
    /// Training statistics on data that defeats careless formulas: a large common offset (E[x^2] - E[x]^2 would lose
    /// every digit), a first row far from the rest (the shift the sums are taken around), and constant channels
    /// (variance exactly 0, output exactly the bias).
    /// </summary>
    [Theory]
    [InlineData(0, "offset")]
    [InlineData(0, "outlier")]
    [InlineData(1, "offset")]
    [InlineData(1, "outlier")]
    [InlineData(1, "constant")]
    [InlineData(3, "offset")]
    [InlineData(3, "outlier")]
    [InlineData(3, "constant")]
    [InlineData(4, "outlier")]
    [InlineData(5, "offset")]
    [InlineData(5, "outlier")]
    [InlineData(5, "constant")]
    [InlineData(6, "offset")]
    [InlineData(6, "outlier")]
    [InlineData(6, "constant")]
    [InlineData(7, "offset")]
    [InlineData(7, "outlier")]
    [InlineData(7, "constant")]
    [InlineData(9, "offset")]
    [InlineData(9, "outlier")]
    [InlineData(9, "constant")]
    [InlineData(10, "offset")]
    [InlineData(10, "outlier")]
    [InlineData(10, "constant")]
    [InlineData(11, "offset")]
    [InlineData(11, "outlier")]
    [InlineData(11, "constant")]
    [InlineData(12, "offset")]
    [InlineData(12, "outlier")]
    [InlineData(12, "constant")]
    [InlineData(13, "offset")]
    [InlineData(13, "outlier")]
    [InlineData(13, "constant")]
    [InlineData(17, "offset")]
    [InlineData(17, "outlier")]
    [InlineData(17, "constant")]
    public void BatchNormTrainingStatisticsHoldOnHardData(int index, string data)
    {
        (string name, string attribute, string t, int[] shape, bool affine, bool training, string plan) = BatchNorms[index];
        Assert.True(training);
        var random = new Random(200 + index);
        BatchNormLayout layout = BatchNormLayout.Of(shape, 1);
        int rows = shape[0], channels = shape[1];
        double[] x = Arrays.ToDouble(Arrays.Of(t, Enumerable.Range(0, rows * channels).Select(i => data switch
        {
            "offset" => 10_000 + (i % channels) + random.NextDouble(),
            "outlier" => i < channels ? 50 + i : random.NextDouble() * 2 - 1,
            _ => i % channels == 0 ? 3.75 : random.NextDouble(), // channel 0 constant
        })));
        double[] w = Arrays.ToDouble(Arrays.Of(t, Enumerable.Range(0, channels).Select(_ => 1 + (0.2 * random.NextDouble()))));
        double[] b = Arrays.ToDouble(Arrays.Of(t, Enumerable.Range(0, channels).Select(_ => random.NextDouble() - 0.5)));
        double[] runningMean = new double[channels], runningVar = Enumerable.Repeat(1.0, channels).ToArray();
        Array rm = Arrays.Of(t, runningMean), rv = Arrays.Of(t, runningVar), output = Arrays.Zeros(t, rows * channels);
        var expected = BatchNormReference.Training(x, layout, 1e-5, Momentum(attribute), affine ? w : null, affine ? b : null, runningMean, runningVar, Unbiased(attribute));

        Array[] parameters = affine ? [Arrays.Of(t, w), Arrays.Of(t, b)] : [];
        Kernels.Value.Run(name, [Arrays.Of(t, x), .. parameters, rm, rv, output]);

        // Outputs are O(1) (normalized); running statistics are compared relative to their size, 4 float ulps. Float
        // channels as lanes sum the squares of deviations from the first row in float (BatchNormShiftedSumsTests holds
        // them to 1e-6: 5e-7 measured here on the outlier data with 128-bit vectors). In double the reference's own
        // mean of values near 10,000 is off by up to ulp(10,000) = 2e-12, 6e-12 once normalized.
        double tolerance = t == "float" ? 2e-6 : data == "offset" ? 2e-11 : 1e-12;
        double relative = t == "float" ? (plan == ChannelLanes ? 1e-6 : 4 * 6e-8) : 1e-14;
        double[] y = Arrays.ToDouble(output);
        Assert.InRange(Reference.MaxAbsDifference(expected.Output, y), 0, tolerance);
        double[] mean = Arrays.ToDouble(rm), variance = Arrays.ToDouble(rv);
        for (int c = 0; c < channels; c++)
        {
            Assert.InRange(Math.Abs(mean[c] - runningMean[c]), 0, relative * Math.Abs(runningMean[c]) + 1e-300);
            Assert.InRange(Math.Abs(variance[c] - runningVar[c]), 0, relative * Math.Abs(runningVar[c]));
        }

        if (data == "constant")
        {
            for (int r = 0; r < rows; r++)
            {
                Assert.Equal(affine ? b[0] : 0, y[r * channels]);
            }
        }
    }

    private static double Momentum(string attribute) => attribute.Contains("Momentum = 0.3", StringComparison.Ordinal) ? 0.3 : 0.1;

    private static bool Unbiased(string attribute) => !attribute.Contains("BatchNormRunningVariance.Population", StringComparison.Ordinal);

    private static readonly Lazy<CompiledKernels> WeightOrBias = new(() => CompiledKernels.Compile(
        new[] { ("Weight", "weight"), ("Bias", "bias") }.SelectMany(k => new[]
        {
            new KernelDeclaration($"Periodic{k.Item1}Train", "[BatchNorm(37, 3)]", "float", ["input", k.Item2, "runningMean", "runningVar", "output"]),
            new KernelDeclaration($"Periodic{k.Item1}Infer", "[BatchNorm(37, 3, Mode = BatchNormMode.Inference)]", "float",
                ["input", k.Item2, "runningMean", "runningVar", "output"], ["runningMean", "runningVar"]),
        })));

    /// <summary>The periodic plan with a weight and no bias, and with a bias and no weight (the theories above pass both or neither).</summary>
    [Theory]
    [InlineData("Weight", true)]
    [InlineData("Weight", false)]
    [InlineData("Bias", true)]
    [InlineData("Bias", false)]
    public void PeriodicTakesWeightOrBiasAlone(string which, bool training)
    {
        var random = new Random(which.Length + (training ? 1 : 0));
        BatchNormLayout layout = BatchNormLayout.Of([37, 3], 1);
        double[] x = Arrays.ToDouble(Arrays.Of("float", Enumerable.Range(0, 111).Select(_ => (random.NextDouble() * 4) - 1)));
        double[] affine = Arrays.ToDouble(Arrays.Of("float", Enumerable.Range(0, 3).Select(_ => 0.5 + random.NextDouble())));
        double[] runningMean = [0.25, -0.5, 1], runningVar = [1, 0.5, 2];
        double[]? w = which == "Weight" ? affine : null, b = which == "Bias" ? affine : null;
        double[] expected = training
            ? BatchNormReference.Training(x, layout, 1e-5, 0.1, w, b, runningMean, runningVar, unbiased: true).Output
            : BatchNormReference.Inference(x, layout, 1e-5, w, b, runningMean, runningVar);
        Array rm = Arrays.Of("float", [0.25, -0.5, 1]), rv = Arrays.Of("float", [1, 0.5, 2]), output = Arrays.Zeros("float", 111);
        string kernel = $"Periodic{which}{(training ? "Train" : "Infer")}";
        Assert.Contains(Periodic, WeightOrBias.Value.SourceOf(kernel), StringComparison.Ordinal);
        WeightOrBias.Value.Run(kernel, [Arrays.Of("float", x), Arrays.Of("float", affine), rm, rv, output]);

        Assert.InRange(Reference.MaxAbsDifference(expected, Arrays.ToDouble(output)), 0, 2e-6);
        Assert.InRange(Reference.MaxAbsDifference(runningMean, Arrays.ToDouble(rm)), 0, 2e-6);
        Assert.InRange(Reference.MaxAbsDifference(runningVar, Arrays.ToDouble(rv)), 0, 2e-6);
    }
}

using FixedNorm.Tests.Infrastructure;

namespace FixedNorm.Tests.Numerics;

/// <summary>
/// BatchNorm training over several runs per channel, and across channels row by row, sums in one pass each channel's
/// values (in double lanes) and the squares of their deviations from the channel's first value. Where that cannot be
/// trusted the kernel takes the channel once more in double: when the first value is an outlier (the sums cancel), and
/// when float squares overflow. These, and data with a large offset, are checked against the float64 reference on runs
/// with whole vectors, masked last vectors, vector tails and scalar tails,
/// and on channels-last rows (channels as vector lanes) with and without scalar channels after the blocks, and on
/// batches of exactly 8 rows (one Vector256 a row vector), and on inputs large enough
/// to be taken in blocks of channels, several rows of a channel per visit. A float kernel's raw
/// values are added in double lanes, so a mean near zero is as exact as PyTorch's double accumulator makes it; a double
/// kernel adds the deviations, whose sum does not round away a large offset (the double theories at the end).
/// </summary>
public sealed class BatchNormShiftedSumsTests
{
    private static readonly (string Name, int Outer, int Channels, int Inner)[] Shapes =
    [
        ("Runs128", 8, 3, 128),
        ("Runs20", 6, 4, 20),
        ("Runs37", 5, 2, 37),
        ("Runs16Wide", 2, 300, 16),  // over 256 channels: each run's sums added up horizontally, not kept as vectors
        ("Runs20Wide", 2, 300, 20),  // the same with a masked last vector (Vector512 and Vector256)
        ("Runs1030", 3, 2, 1030),  // a chunk of 1024, then 6 values: the masked vector reaches back into the chunk
        ("Rows32", 40, 32, 1),   // channels as lanes, row order: two whole blocks
        ("Rows64", 24, 64, 1),   // four whole blocks
        ("Rows35", 30, 35, 1),   // two blocks and one overlapping them by 13 channels (Vector512)
        ("Runs128Deep", 32, 8, 128),  // 4096 values a channel, each lane of each run adding several
        ("Rows64Deep", 4096, 64, 1),  // 512 chunks of 8 rows
        ("Batch8x3", 8, 3, 1),   // one Vector256 of rows, few channels: row vectors summed into channel lanes
        ("Batch8x4", 8, 4, 1),   // the same with one channel per double lane
        ("Batch8x6", 8, 6, 1),   // more channels than double lanes: channels as vector lanes instead
        ("Blocks256", 16, 32, 256),  // 512 KB: 8 blocks of 4 channels as a pipeline (a block's output in one loop with the next block's sums)
        ("Pipeline", 32, 64, 128),   // 1 MB, the benchmark's shape: 8 blocks of 8 channels as a pipeline
        ("LongRuns512", 4, 64, 512), // 512 KB of runs too long for the pipeline's one float accumulator: block after block
        ("ShortRuns16", 64, 256, 16), // 1 MB of runs of one Vector512, too short for the pipeline: block after block
        ("BlocksTails", 4, 96, 250),  // 384 KB: two blocks of 48 channels, vector and scalar tails, 1 row a visit
        ("Runs7", 16, 3, 7),     // short runs in memory order: a Vector128 and a masked one each (scalar on Vector256)
        ("Runs2", 128, 2, 2),    // runs of 2 in a row of 4 values: the periodic plan (Vector256s in memory order)
        ("Runs2Long", 32, 5, 2), // runs of 2 in rows of 10 (a period of 5 vectors, past the periodic plan): scalar within each run
        ("Runs10", 32, 16, 10),  // 16 channels of 32 runs of 10
    ];

    private static readonly Lazy<CompiledKernels> Kernels = new(() => CompiledKernels.Compile(Shapes.Select(s =>
        new KernelDeclaration(s.Name, $"[BatchNorm({s.Outer}, {s.Channels}, {s.Inner})]", "float", ["input", "runningMean", "runningVar", "mean", "rstd", "output"]))));

    /// <summary>
    /// Both ways of adding up a run's vector sums are taken: Runs128 keeps them as double vectors per channel on every
    /// path; Runs16Wide's 300 channels do not fit the stack budget at 512 bits, so there each run adds up horizontally.
    /// </summary>
    [Theory]
    [InlineData("Runs128", 3)]
    [InlineData("Runs16Wide", 2)]
    [InlineData("Runs20Wide", 2)]
    public void WideChannelCountsAddEachRunUpHorizontally(string name, int pathsWithPartials)
    {
        string source = Assert.Single(Kernels.Value.GeneratedSources, s => s.Contains($" {name}(", StringComparison.Ordinal));
        int paths = source.Split("Whole vectors add into two double vectors per channel").Length - 1;
        Assert.Equal(pathsWithPartials, paths);
    }

    /// <summary>
    /// The statistics pass reads up to 4 rows of a channel per visit (as many as divide the rows, no more than 1024
    /// values a visit, and one when the runs are shorter than a vector at that path's width: longer runs end in a masked
    /// vector, so runs with a tail are visited several at a time too), and inputs over 256 KB are taken
    /// in blocks of channels (float runs of 4 to 16 whole Vector512s: as a pipeline, each block's output in one loop with
    /// the next block's sums; longer or shorter runs, and BlocksTails with its tails, block after block): each shape above
    /// takes the path named.
    /// </summary>
    [Theory]
    [InlineData("Runs128", "4 rows at a time", null)]
    [InlineData("Runs20", "2 rows at a time", null)] // 20 floats: whole vectors on the Vector128 path, a masked tail on the others
    [InlineData("Runs37", null, null)]
    [InlineData("Runs16Wide", "2 rows at a time", null)]
    [InlineData("Runs20Wide", "2 rows at a time", null)]
    [InlineData("Runs128Deep", "4 rows at a time", null)]
    [InlineData("Blocks256", "4 rows at a time", "8 blocks of 4 channels, as a pipeline")]
    [InlineData("Pipeline", "4 rows at a time", "8 blocks of 8 channels, as a pipeline")]
    [InlineData("LongRuns512", "2 rows at a time", "2 blocks of 32 channels: each block's statistics, then its output")]
    [InlineData("ShortRuns16", "4 rows at a time", "4 blocks of 64 channels: each block's statistics, then its output")]
    [InlineData("BlocksTails", "4 rows at a time", "2 blocks of 48 channels")]
    [InlineData("Runs7", "4 rows at a time", null)]
    [InlineData("Runs10", "4 rows at a time", null)]
    [InlineData("Runs2", null, null)]
    [InlineData("Runs2Long", null, null)]
    public void RowsPerVisitAndChannelBlocksAreChosenPerShape(string name, string? rows, string? blocks)
    {
        string source = Assert.Single(Kernels.Value.GeneratedSources, s => s.Contains($" {name}(", StringComparison.Ordinal));
        Assert.Equal(rows is not null, source.Contains("rows at a time", StringComparison.Ordinal));
        if (rows is not null)
        {
            Assert.Contains(rows, source, StringComparison.Ordinal);
        }

        Assert.Equal(blocks is not null, source.Contains("blocks of", StringComparison.Ordinal));
        if (blocks is not null)
        {
            Assert.Contains(blocks, source, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// Runs shorter than the path's vectors are summed in the widest vectors that fit a run, ending in a masked one: runs of
    /// 10 floats in Vector256s on the Vector512 and Vector256 paths, runs of 7 in Vector128s on every path. Runs of 2 have
    /// no such vector (each path's sums pass broadcasts the shift to the path's own width). Counted by the sums passes'
    /// broadcasts of the shift (the store passes broadcast shiftT).
    /// </summary>
    [Theory]
    [InlineData("Runs10", 0, 2, 1)]
    [InlineData("Runs7", 0, 0, 3)]
    [InlineData("Runs2Long", 1, 1, 1)]
    public void ShortRunsAreSummedInTheWidestVectorsThatFitARun(string name, int sums512, int sums256, int sums128)
    {
        string source = Assert.Single(Kernels.Value.GeneratedSources, s => s.Contains($" {name}(", StringComparison.Ordinal));
        int Count(string width) => source.Split($"var shift{width} = global::System.Runtime.Intrinsics.Vector{width}.Create(shift);").Length - 1;
        Assert.Equal([sums512, sums256, sums128], [Count("512"), Count("256"), Count("128")]);
    }

    /// <summary>
    /// Double kernels: the in-order plan's blocks are sized in bytes, so [16, 32, 256] double (1 MB) goes in four blocks of
    /// 8 channels, 4 rows a visit; [4096, 16] double runs in row order (channels as lanes). Data with an offset of 1000 and,
    /// in every other channel, a first value 50 standard deviations out: those channels are summed again around the mean
    /// found, so even in double the output stays within 1e-11 of the float64 reference (around the first value instead,
    /// the variance cancelled to 1e-11 relative and outputs were 5e-10 off).
    /// </summary>
    [Theory]
    [InlineData(16, 32, 256, "4 blocks of 8 channels")]
    [InlineData(4096, 16, 1, "row by row")]
    public void DoubleKernelsWithOutliersMatchTheReference(int outer, int channels, int inner, string plan)
    {
        var layout = new BatchNormLayout(outer, channels, inner);
        CompiledKernels kernels = CompiledKernels.Compile(
            [new KernelDeclaration("Outliers", $"[BatchNorm({outer}, {channels}, {inner})]", "double", ["input", "runningMean", "runningVar", "mean", "rstd", "output"])]);
        string source = Assert.Single(kernels.GeneratedSources);
        Assert.Contains(plan, source, StringComparison.Ordinal);

        var random = new Random(7);
        double[] x = Enumerable.Range(0, outer * channels * inner).Select(_ => 1000 + ((random.NextDouble() * 2) - 1)).ToArray();
        for (int c = 0; c < channels; c += 2)
        {
            x[c * inner] = 1050;
        }

        double[] expectedRunningMean = new double[channels], expectedRunningVar = Enumerable.Repeat(1.0, channels).ToArray();
        (double[] expected, double[] expectedMean, double[] expectedRstd) =
            BatchNormReference.Training(x, layout, 1e-5, 0.1, null, null, expectedRunningMean, expectedRunningVar);
        double[] runningMean = new double[channels], runningVar = Enumerable.Repeat(1.0, channels).ToArray();
        double[] mean = new double[channels], rstd = new double[channels], output = new double[x.Length];
        kernels.Run("Outliers", x, runningMean, runningVar, mean, rstd, output);

        Assert.InRange(Reference.MaxAbsDifference(expected, output), 0, 1e-11);
        for (int c = 0; c < channels; c++)
        {
            Assert.InRange(Math.Abs(mean[c] - expectedMean[c]) / expectedMean[c], 0, 1e-14);
            Assert.InRange(Math.Abs(rstd[c] - expectedRstd[c]) / expectedRstd[c], 0, 1e-12);
            Assert.InRange(Math.Abs(runningMean[c] - expectedRunningMean[c]) / expectedRunningMean[c], 0, 1e-14);
            Assert.InRange(Math.Abs(runningVar[c] - expectedRunningVar[c]) / expectedRunningVar[c], 0, 1e-12);
        }
    }

    /// <summary>
    /// Double kernels on data with a large offset (1e8 + N(0, 1)), one plan per shape: the channel sums are of the deviations
    /// from each channel's first value, since raw double sums round (the kernels' variance was 2e-7 to 6e-7 off, and
    /// outputs 2e-7 to 4e-7). Checked against a reference that sums the deviations too (BatchNormReference sums the raw
    /// values, whose rounding is that large itself). Channel 1 is constant and must come out exactly 0 (no bias).
    /// </summary>
    [Theory]
    [InlineData(32, 64, 128, false, "in memory order")]
    [InlineData(4, 96, 250, false, "3 blocks of 32 channels")] // vector and scalar tails
    [InlineData(2, 300, 16, false, "in memory order, 2 rows at a time")] // over 256 channels: no partials
    [InlineData(4096, 16, 1, false, "row by row with every block")]
    [InlineData(1, 4, 4096, false, "per channel, vector passes")]
    [InlineData(1024, 64, 1, true, "vectors across contiguous channels")]
    public void DoubleKernelsWithLargeOffsetsMatchTheReference(int outer, int channels, int inner, bool channelsLast, string plan)
    {
        var layout = new BatchNormLayout(outer, channels, inner);
        string attribute = channelsLast ? $"[BatchNorm({outer}, {channels}, ChannelAxis = -1)]" : $"[BatchNorm({outer}, {channels}, {inner})]";
        CompiledKernels kernels = CompiledKernels.Compile(
            [new KernelDeclaration("Offset", attribute, "double", ["input", "runningMean", "runningVar", "mean", "rstd", "output"])]);
        string source = Assert.Single(kernels.GeneratedSources);
        Assert.Contains(plan, source, StringComparison.Ordinal);

        var random = new Random(11);
        double[] x = Enumerable.Range(0, outer * channels * inner)
            .Select(_ => 1e8 + (Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble())))
            .ToArray();
        int[] constant = [.. layout.Indices(1)];
        foreach (int i in constant)
        {
            x[i] = 1e8 + 0.5;
        }

        double[] runningMean = new double[channels], runningVar = Enumerable.Repeat(1.0, channels).ToArray();
        double[] mean = new double[channels], rstd = new double[channels], output = new double[x.Length];
        kernels.Run("Offset", x, runningMean, runningVar, mean, rstd, output);

        Assert.All(constant, i => Assert.Equal(0, output[i]));
        for (int c = 0; c < channels; c++)
        {
            // Deviations from the channel's first value are exact here (every value within a factor of 2 of it).
            int[] indices = [.. layout.Indices(c)];
            double first = x[indices[0]];
            double drift = indices.Sum(i => x[i] - first) / indices.Length;
            double variance = indices.Sum(i => (x[i] - first - drift) * (x[i] - first - drift)) / indices.Length;
            double expectedRstd = 1 / Math.Sqrt(variance + 1e-5);
            Assert.InRange(Math.Abs(mean[c] - (first + drift)) / (first + drift), 0, 1e-15);
            Assert.InRange(Math.Abs(rstd[c] - expectedRstd) / expectedRstd, 0, 1e-12);
            double expectedRunningVar = 0.9 + (0.1 * variance * indices.Length / (indices.Length - 1));
            Assert.InRange(Math.Abs(runningVar[c] - expectedRunningVar) / expectedRunningVar, 0, 1e-12);
            Assert.All(indices, i => Assert.InRange(Math.Abs(output[i] - ((x[i] - first - drift) * expectedRstd)), 0, 1e-12));
        }
    }

    public static TheoryData<int, string> Cases()
    {
        var cases = new TheoryData<int, string>();
        foreach (string data in new[] { "outlier", "huge", "offset" })
        {
            for (int shape = 0; shape < Shapes.Length; shape++)
            {
                cases.Add(shape, data);
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesFloat64Reference(int shape, string data)
    {
        (string name, int outer, int channels, int inner) = Shapes[shape];
        var layout = new BatchNormLayout(outer, channels, inner);
        var random = new Random(shape);
        float[] x = new float[outer * channels * inner];
        for (int i = 0; i < x.Length; i++)
        {
            double noise = (random.NextDouble() * 2) - 1;

            // outlier: values 100 + [-0.1, 0.1], each channel's first value 10 away (100 times the spread);
            // huge: values of 1e19 to 3e19, whose float squares (up to 1e38) overflow when added up;
            // offset: 10000 + [-1, 1], where float sums of the raw values lose the variance (their deviations do not).
            x[i] = (float)(data switch
            {
                "outlier" => 100 + (0.1 * noise),
                "huge" => 2e19 * (1 + (noise / 2)),
                _ => 10000 + noise,
            });
        }

        if (data == "outlier")
        {
            for (int c = 0; c < channels; c++)
            {
                x[c * inner] = c % 2 == 0 ? 110 : 90;
            }
        }

        double[] xs = Arrays.ToDouble(x);
        double[] expectedRunningMean = new double[channels], expectedRunningVar = Enumerable.Repeat(1.0, channels).ToArray();
        (double[] expected, double[] expectedMean, double[] expectedRstd) =
            BatchNormReference.Training(xs, layout, 1e-5, 0.1, null, null, expectedRunningMean, expectedRunningVar);

        float[] runningMean = new float[channels], runningVar = Enumerable.Repeat(1f, channels).ToArray();
        float[] mean = new float[channels], rstd = new float[channels], output = new float[x.Length];
        Kernels.Value.Run(name, x, runningMean, runningVar, mean, rstd, output);

        Assert.InRange(Reference.MaxAbsDifference(expected, Arrays.ToDouble(output)), 0, 2e-5);
        for (int c = 0; c < channels; c++)
        {
            Assert.InRange(Math.Abs(mean[c] - expectedMean[c]) / Math.Abs(expectedMean[c]), 0, 1e-6);
            Assert.InRange(Math.Abs(rstd[c] - expectedRstd[c]) / expectedRstd[c], 0, 1e-6);
            Assert.InRange(Math.Abs(runningVar[c] - expectedRunningVar[c]) / expectedRunningVar[c], 0, 1e-6);
        }
    }

    /// <summary>
    /// Zero-mean data, where a mean is the small difference of large partial sums: a float accumulator (even over a few
    /// values per lane) puts each channel's mean several to thousands of ulps off; PyTorch's double accumulator (NCL)
    /// keeps it within about an ulp. So does the kernel: the mean, and the running mean, within 1 ulp of the exact
    /// value for every channel.
    /// </summary>
    [Theory]
    [MemberData(nameof(ShapeIndices))]
    public void ZeroMeanDataKeepsEveryChannelsMeanWithinAnUlp(int shape)
    {
        (string name, int outer, int channels, int inner) = Shapes[shape];
        var layout = new BatchNormLayout(outer, channels, inner);
        var random = new Random(1000 + shape);
        float[] x = Enumerable.Range(0, outer * channels * inner)
            .Select(_ => (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble())))
            .ToArray();
        double[] expectedRunningMean = new double[channels], expectedRunningVar = Enumerable.Repeat(1.0, channels).ToArray();
        double[] expectedMean = BatchNormReference.Training(Arrays.ToDouble(x), layout, 1e-5, 0.1, null, null, expectedRunningMean, expectedRunningVar).Mean;

        float[] runningMean = new float[channels], runningVar = Enumerable.Repeat(1f, channels).ToArray();
        float[] mean = new float[channels], rstd = new float[channels], output = new float[x.Length];
        Kernels.Value.Run(name, x, runningMean, runningVar, mean, rstd, output);

        static double Ulp(double value) => MathF.BitIncrement((float)Math.Abs(value)) - (float)Math.Abs(value);
        for (int c = 0; c < channels; c++)
        {
            Assert.InRange(Math.Abs(mean[c] - expectedMean[c]), 0, Ulp(expectedMean[c]));
            Assert.InRange(Math.Abs(runningMean[c] - expectedRunningMean[c]), 0, Ulp(expectedRunningMean[c]));
        }
    }

    public static TheoryData<int> ShapeIndices() => new(Enumerable.Range(0, Shapes.Length));
}

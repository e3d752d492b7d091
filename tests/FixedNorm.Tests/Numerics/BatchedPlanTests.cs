using FixedNorm.Tests.Infrastructure;
using static FixedNorm.Tests.Infrastructure.Placement;

namespace FixedNorm.Tests.Numerics;

/// <summary>
/// LayerNorm's batched plan (groups of 64 bytes to 1 KB, a vector's worth of groups at a time, their lane
/// sums added across the groups by a tree of shuffles): which shapes take it, and every element, mean and rstd against
/// the float64 reference at several alignments and in place. A batch with an outlier first element, overflowing float
/// squares or a NaN takes the per-group code for all its groups, and the groups after the last full batch take it too:
/// both are checked, on whichever vector path runs the tests (CI runs them on Vector512, Vector256 and Vector128).
/// </summary>
public sealed class BatchedPlanTests
{
    private const string Batched = "Lanes.AddPairs(";

    private static readonly Lazy<CompiledKernels> Kernels = new(() => CompiledKernels.Compile(
    [
        new KernelDeclaration("Floats16", "[LayerNorm(1000, 16)]", "float", ["input", "weight", "bias", "output", "mean", "rstd"]),
        new KernelDeclaration("Floats32", "[LayerNorm(96, 32)]", "float", ["input", "weight", "output", "mean", "rstd"]),
        new KernelDeclaration("Floats80", "[LayerNorm(100, 80)]", "float", ["input", "weight", "bias", "output", "mean", "rstd"]),
        new KernelDeclaration("Floats128", "[LayerNorm(40, 128)]", "float", ["input", "bias", "output"]),
        new KernelDeclaration("OneBatch", "[LayerNorm(16, 16)]", "float", ["input", "output"]),
        new KernelDeclaration("Doubles8", "[LayerNorm(100, 8)]", "double", ["input", "bias", "output", "mean", "rstd"]),
        new KernelDeclaration("Doubles16", "[LayerNorm(64, 16)]", "double", ["input", "weight", "bias", "output"]),
        new KernelDeclaration("Doubles64", "[LayerNorm(20, 64)]", "double", ["input", "weight", "output", "mean", "rstd"]),
        new KernelDeclaration("TooFewGroups", "[LayerNorm(15, 16)]", "float", ["input", "output"]),
        new KernelDeclaration("TooFewDoubleGroups", "[LayerNorm(7, 8)]", "double", ["input", "output"]),
        new KernelDeclaration("Floats24", "[LayerNorm(100, 24)]", "float", ["input", "weight", "bias", "output", "mean", "rstd"]),
        new KernelDeclaration("Floats17", "[LayerNorm(50, 17)]", "float", ["input", "bias", "output"]),
        new KernelDeclaration("Floats100", "[LayerNorm(40, 100)]", "float", ["input", "weight", "bias", "output", "mean", "rstd"]),
        new KernelDeclaration("Doubles11", "[LayerNorm(30, 11)]", "double", ["input", "weight", "bias", "output", "mean", "rstd"]),
        new KernelDeclaration("UnderALine", "[LayerNorm(64, 15)]", "float", ["input", "output"]),
        new KernelDeclaration("Floats256", "[LayerNorm(64, 256)]", "float", ["input", "output"]),
        new KernelDeclaration("TooWide", "[LayerNorm(64, 257)]", "float", ["input", "output"]),
        new KernelDeclaration("TwoAxes", "[LayerNorm(64, 4, 8, Axis = 1)]", "float", ["input", "output"]),
        new KernelDeclaration("JustUnder8MB", "[LayerNorm(16383, 128)]", "float", ["input", "output"]),
        new KernelDeclaration("Streamed", "[LayerNorm(16384, 128)]", "float", ["input", "output"]),
        new KernelDeclaration("NotStreamedPartLines", "[LayerNorm(16384, 129)]", "float", ["input", "output"]),
    ]));

    [Theory]
    [InlineData("Floats16", true)]
    [InlineData("Floats32", true)]
    [InlineData("Floats80", true)]
    [InlineData("Floats128", true)]
    [InlineData("OneBatch", true)]
    [InlineData("Doubles8", true)]
    [InlineData("Doubles16", true)]
    [InlineData("Doubles64", true)]
    [InlineData("TwoAxes", true)] // 4 x 8 floats: one group of 32
    [InlineData("JustUnder8MB", true)]
    [InlineData("TooFewGroups", false)]
    [InlineData("TooFewDoubleGroups", false)]
    [InlineData("Floats24", true)]
    [InlineData("Floats17", true)]
    [InlineData("Floats100", true)]
    [InlineData("Doubles11", true)]
    [InlineData("UnderALine", false)] // 60 bytes
    [InlineData("Floats256", true)]
    [InlineData("TooWide", false)] // 1,028 bytes
    [InlineData("Streamed", false)] // 8 MB of 512-byte groups: the per-group code's streamed stores
    [InlineData("NotStreamedPartLines", true)] // 8.3 MB of 516-byte groups, which the per-group code would not stream
    public void AVectorsWorthOrMoreOfGroupsOf64BytesTo1KBIsBatchedUnlessStreamed(string kernel, bool batched) =>
        Assert.Equal(batched, Kernels.Value.SourceOf(kernel).Contains(Batched, StringComparison.Ordinal));

    /// <summary>
    /// Groups of up to 4 vectors at a path's width are written out vector by vector, with weight and bias in locals;
    /// longer ones loop over each group's vectors (80 floats: 5 Vector512s).
    /// </summary>
    [Theory]
    [InlineData("Floats16", 3)]
    [InlineData("Floats32", 2)] // 8 Vector128s
    [InlineData("Floats80", 0)]
    [InlineData("Doubles16", 2)]
    public void GroupsOfUpTo4VectorsAreWrittenOut(string kernel, int unrolledPaths)
    {
        string source = Kernels.Value.SourceOf(kernel);
        Assert.Equal(unrolledPaths, source.Split("var weight0 = ").Length - 1);
        Assert.Equal(3 - unrolledPaths, source.Split(" vectors a group: the sums and the stores loop over each group's vectors.").Length - 1);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(13)]
    public void FloatGroupsOf16MatchTheReference(int start)
    {
        const int Groups = 1000, GroupSize = 16; // 62 blocks of 16, and 8 groups after them (the per-group code)
        var random = new Random(start);
        float[] x = Values(random, Groups * GroupSize, 3, 2);
        float[] weight = Values(random, GroupSize, 1, 0.1);
        float[] bias = Values(random, GroupSize, 0, 0.1);
        (double[] expected, double[] expectedMean, double[] expectedRstd) =
            Reference.LayerNorm(Arrays.ToDouble(x), Groups, GroupSize, 1e-5, Arrays.ToDouble(weight), Arrays.ToDouble(bias));

        float[] input = Padded(x, start);
        float[] output = Padded(new float[x.Length], start);
        float[] mean = Padded(new float[Groups], start);
        float[] rstd = Padded(new float[Groups], start);
        Kernels.Value.RunFrom("Floats16", start, input, Padded(weight, start), Padded(bias, start), output, mean, rstd);

        AssertMatches(expected, output, start, 2e-5);
        AssertStatistics(expectedMean, expectedRstd, mean, rstd, start, 2e-5);
        Assert.Equal(Padded(x, start), input);
    }

    /// <summary>
    /// Groups of 32 floats: first elements at the mean of the values they are drawn from, so every batch is batched; or
    /// outlier first elements in every batch, so every batch takes the per-group code.
    /// </summary>
    [Theory]
    [InlineData(0, false)]
    [InlineData(5, false)]
    [InlineData(0, true)]
    [InlineData(5, true)]
    [InlineData(11, true)]
    public void FloatGroupsOf32MatchTheReference(int start, bool outliers)
    {
        const int Groups = 96, GroupSize = 32;
        var random = new Random(100 + start);
        float[] x = Values(random, Groups * GroupSize, -40, 3);
        foreach (int g in Enumerable.Range(0, Groups))
        {
            x[g * GroupSize] = -40;
        }

        foreach (int g in Enumerable.Range(0, Groups).Where(g => outliers && (g % 6 == 0 || g == Groups - 1)))
        {
            // 10 from the others, which spread over +-0.1: 5.6 standard deviations from the group's mean, so the
            // batch takes the per-group code, whose second pass around the mean keeps rstd from cancelling.
            Values(random, GroupSize, 0, 0.1).CopyTo(x, g * GroupSize);
            x[g * GroupSize] = 10;
        }

        float[] weight = Values(random, GroupSize, 1, 0.1);
        (double[] expected, double[] expectedMean, double[] expectedRstd) =
            Reference.LayerNorm(Arrays.ToDouble(x), Groups, GroupSize, 1e-5, Arrays.ToDouble(weight), null);

        float[] output = Padded(new float[x.Length], start);
        float[] mean = Padded(new float[Groups], start);
        float[] rstd = Padded(new float[Groups], start);
        Kernels.Value.RunFrom("Floats32", start, Padded(x, start), Padded(weight, start), output, mean, rstd);

        AssertMatches(expected, output, start, 2e-5);
        AssertStatistics(expectedMean, expectedRstd, mean, rstd, start, 2e-5);
    }

    /// <summary>
    /// Groups of 80 floats (a loop over 5 Vector512s, 10 Vector256s or 20 Vector128s) and of 128 floats, with outlier
    /// first elements in some batches.
    /// </summary>
    [Theory]
    [InlineData("Floats80", 100, 80, 0)]
    [InlineData("Floats80", 100, 80, 6)]
    [InlineData("Floats128", 40, 128, 0)]
    [InlineData("Floats128", 40, 128, 9)]
    public void LongerGroupsMatchTheReference(string kernel, int groups, int groupSize, int start)
    {
        bool affine = kernel == "Floats80";
        var random = new Random(150 + start);
        float[] x = Values(random, groups * groupSize, 2, 3);
        foreach (int g in new[] { 3, groups - 1 })
        {
            Values(random, groupSize, 0, 0.1).CopyTo(x, g * groupSize);
            x[g * groupSize] = 10;
        }

        float[] weight = Values(random, groupSize, 1, 0.1);
        float[] bias = Values(random, groupSize, 0, 0.1);
        (double[] expected, double[] expectedMean, double[] expectedRstd) =
            Reference.LayerNorm(Arrays.ToDouble(x), groups, groupSize, 1e-5, affine ? Arrays.ToDouble(weight) : null, Arrays.ToDouble(bias));

        float[] output = Padded(new float[x.Length], start);
        float[] mean = Padded(new float[groups], start);
        float[] rstd = Padded(new float[groups], start);
        Kernels.Value.RunFrom(kernel, start, affine
            ? [Padded(x, start), Padded(weight, start), Padded(bias, start), output, mean, rstd]
            : [Padded(x, start), Padded(bias, start), output]);

        AssertMatches(expected, output, start, 2e-5);
        if (affine)
        {
            AssertStatistics(expectedMean, expectedRstd, mean, rstd, start, 2e-5);
        }
    }

    /// <summary>
    /// Groups that are not a whole number of vectors end in a vector that overlaps the one before it, its overlapping
    /// lanes left out of the sums and stored again with the same values: 24 floats (a Vector512 and half of one; 3
    /// Vector256s), 17 (one lane more than a Vector512, a Vector256 or 4 Vector128s), 100 (a loop of 6 Vector512s and
    /// 4 lanes), 11 doubles; out of place at several alignments and in place, with outlier first elements where a group
    /// can hold one (100 floats).
    /// </summary>
    [Theory]
    [InlineData("Floats24", 100, 24, 0, false)]
    [InlineData("Floats24", 100, 24, 5, false)]
    [InlineData("Floats24", 100, 24, 3, true)]
    [InlineData("Floats17", 50, 17, 0, false)]
    [InlineData("Floats17", 50, 17, 9, true)]
    [InlineData("Floats100", 40, 100, 0, false)]
    [InlineData("Floats100", 40, 100, 7, false)]
    [InlineData("Floats100", 40, 100, 2, true)]
    public void GroupsEndingInAPartVectorMatchTheReference(string kernel, int groups, int groupSize, int start, bool inPlace)
    {
        bool weighted = kernel != "Floats17", statistics = kernel != "Floats17";
        var random = new Random(250 + start);
        float[] x = Values(random, groups * groupSize, 1.5, 2);
        for (int g = 0; g < groups; g++)
        {
            // First elements near the mean, so every batch takes the batched code: a first element far out would send
            // its batch to the per-group code (a wrong sum over the overlapping lanes makes that likelier still).
            x[g * groupSize] = 1.5f;
        }

        if (groupSize == 100)
        {
            foreach (int g in new[] { 1, groups - 1 }) // the first batch and the groups after the last one
            {
                Values(random, groupSize, 0, 0.1).CopyTo(x, g * groupSize);
                x[g * groupSize] = 10;
            }
        }

        float[] weight = Values(random, groupSize, 1, 0.1);
        float[] bias = Values(random, groupSize, 0, 0.1);
        (double[] expected, double[] expectedMean, double[] expectedRstd) =
            Reference.LayerNorm(Arrays.ToDouble(x), groups, groupSize, 1e-5, weighted ? Arrays.ToDouble(weight) : null, Arrays.ToDouble(bias));

        float[] input = Padded(x, start);
        float[] output = inPlace ? input : Padded(new float[x.Length], start);
        float[] mean = Padded(new float[groups], start);
        float[] rstd = Padded(new float[groups], start);
        var arguments = new List<Array> { input };
        arguments.AddRange(weighted ? [Padded(weight, start)] : []);
        arguments.Add(Padded(bias, start));
        arguments.Add(output);
        arguments.AddRange(statistics ? [mean, rstd] : []);
        Kernels.Value.RunFrom(kernel, start, [.. arguments]);

        AssertMatches(expected, output, start, 2e-5);
        if (statistics)
        {
            AssertStatistics(expectedMean, expectedRstd, mean, rstd, start, 2e-5);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    public void AnOutputThatIsTheInputMatchesTheReference(int start)
    {
        const int Groups = 1000, GroupSize = 16;
        var random = new Random(200 + start);
        float[] x = Values(random, Groups * GroupSize, 0.5);
        float[] weight = Values(random, GroupSize, 1, 0.1);
        float[] bias = Values(random, GroupSize, 0, 0.1);
        (double[] expected, double[] expectedMean, double[] expectedRstd) =
            Reference.LayerNorm(Arrays.ToDouble(x), Groups, GroupSize, 1e-5, Arrays.ToDouble(weight), Arrays.ToDouble(bias));

        float[] inPlace = Padded(x, start);
        float[] mean = Padded(new float[Groups], start);
        float[] rstd = Padded(new float[Groups], start);
        Kernels.Value.RunFrom("Floats16", start, inPlace, Padded(weight, start), Padded(bias, start), inPlace, mean, rstd);

        AssertMatches(expected, inPlace, start, 2e-5);
        AssertStatistics(expectedMean, expectedRstd, mean, rstd, start, 2e-5);
    }

    /// <summary>
    /// Groups whose float squares overflow (values near 1e20), first elements 10 from the others (which spread over
    /// +-0.1; in a group of 16 no element can lie more than 3.9 standard deviations from the mean, so these stay
    /// batched), and constant groups, in the first block, a middle one, the last full one and the groups after it.
    /// A block with overflowing squares takes the per-group code, which squares in double; a constant group normalizes
    /// to exactly its bias.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(9)]
    public void OutlierOverflowingAndConstantGroupsMatchTheReference(int start)
    {
        const int Groups = 1000, GroupSize = 16;
        var random = new Random(300 + start);
        float[] x = Values(random, Groups * GroupSize, 0, 0.1);
        foreach (int g in new[] { 0, 500, 991, 995 })
        {
            x[g * GroupSize] = g % 2 == 0 ? 10 : -10;
        }

        foreach (int g in new[] { 17, 510, 986, 999 })
        {
            for (int i = 0; i < GroupSize; i++)
            {
                x[(g * GroupSize) + i] = (float)(1e20 * (1 + (0.5 * Gaussian(random))));
            }
        }

        int[] constant = [33, 520, 997];
        foreach (int g in constant)
        {
            Array.Fill(x, 1234.5f, g * GroupSize, GroupSize);
        }

        float[] weight = Values(random, GroupSize, 1, 0.1);
        float[] bias = Values(random, GroupSize, 0, 0.1);
        (double[] expected, double[] expectedMean, double[] expectedRstd) =
            Reference.LayerNorm(Arrays.ToDouble(x), Groups, GroupSize, 1e-5, Arrays.ToDouble(weight), Arrays.ToDouble(bias));

        float[] output = Padded(new float[x.Length], start);
        float[] mean = Padded(new float[Groups], start);
        float[] rstd = Padded(new float[Groups], start);
        Kernels.Value.RunFrom("Floats16", start, Padded(x, start), Padded(weight, start), Padded(bias, start), output, mean, rstd);

        AssertMatches(expected, output, start, 2e-5);
        AssertStatistics(expectedMean, expectedRstd, mean, rstd, start, 1e-4);
        foreach (int g in constant)
        {
            Assert.Equal(bias, output[(start + (g * GroupSize))..(start + ((g + 1) * GroupSize))]);
        }
    }

    /// <summary>
    /// A NaN makes its own group's output, mean and rstd NaN and leaves every other group of its batch (and every other
    /// batch) as the reference has it: NaNs in the first batch, a middle one and the groups after the last full one.
    /// </summary>
    [Fact]
    public void ANaNStaysInItsGroup()
    {
        const int Groups = 1000, GroupSize = 16;
        int[] nanGroups = [5, 500, 998];
        var random = new Random(400);
        float[] x = Values(random, Groups * GroupSize, 1);
        float[] clean = (float[])x.Clone();
        foreach (int g in nanGroups)
        {
            x[(g * GroupSize) + 3] = float.NaN;
        }

        float[] weight = Values(random, GroupSize, 1, 0.1);
        float[] bias = Values(random, GroupSize, 0, 0.1);
        (double[] expected, double[] expectedMean, double[] expectedRstd) =
            Reference.LayerNorm(Arrays.ToDouble(clean), Groups, GroupSize, 1e-5, Arrays.ToDouble(weight), Arrays.ToDouble(bias));

        float[] output = new float[x.Length];
        float[] mean = new float[Groups];
        float[] rstd = new float[Groups];
        Kernels.Value.RunFrom("Floats16", 0, x, weight, bias, output, mean, rstd);

        for (int g = 0; g < Groups; g++)
        {
            float[] actual = output[(g * GroupSize)..((g + 1) * GroupSize)];
            if (nanGroups.Contains(g))
            {
                Assert.All(actual, v => Assert.True(float.IsNaN(v)));
                Assert.True(float.IsNaN(mean[g]) && float.IsNaN(rstd[g]), $"group {g}: mean {mean[g]}, rstd {rstd[g]}");
            }
            else
            {
                Assert.InRange(Reference.MaxAbsDifference(expected[(g * GroupSize)..((g + 1) * GroupSize)], Arrays.ToDouble(actual)), 0, 2e-5);
                Assert.InRange(Math.Abs(mean[g] - expectedMean[g]), 0, 1e-6);
                Assert.InRange(Math.Abs(rstd[g] - expectedRstd[g]), 0, 1e-4 * expectedRstd[g]);
            }
        }
    }

    /// <summary>The same with one batch and nothing after it ([16, 16], no weight or bias): the NaN in its last group.</summary>
    [Fact]
    public void ANaNInTheOnlyBatchStaysInItsGroup()
    {
        const int Groups = 16, GroupSize = 16;
        var random = new Random(401);
        float[] x = Values(random, Groups * GroupSize, 1);
        float[] clean = (float[])x.Clone();
        x[(15 * GroupSize) + 7] = float.NaN;
        double[] expected = Reference.LayerNorm(Arrays.ToDouble(clean), Groups, GroupSize, 1e-5, null, null).Output;

        float[] output = new float[x.Length];
        Kernels.Value.RunFrom("OneBatch", 0, x, output);

        Assert.All(output[(15 * GroupSize)..], v => Assert.True(float.IsNaN(v)));
        Assert.InRange(Reference.MaxAbsDifference(expected[..(15 * GroupSize)], Arrays.ToDouble(output[..(15 * GroupSize)])), 0, 2e-5);
    }

    [Theory]
    [InlineData("Doubles8", 100, 8, 0)]
    [InlineData("Doubles8", 100, 8, 3)]
    [InlineData("Doubles16", 64, 16, 0)]
    [InlineData("Doubles16", 64, 16, 5)]
    [InlineData("Doubles64", 20, 64, 0)]
    [InlineData("Doubles64", 20, 64, 2)]
    [InlineData("Doubles11", 30, 11, 0)]
    [InlineData("Doubles11", 30, 11, 3)]
    public void DoublesMatchTheReference(string kernel, int groups, int groupSize, int start)
    {
        var random = new Random(500 + start);
        double[] x = Arrays.ToDouble(Values(random, groups * groupSize, 7, 3));
        x[0] = 100; // far from the others: in a group of 64, 7.8 standard deviations from the mean (the per-group code)
        double[] weight = Arrays.ToDouble(Values(random, groupSize, 1, 0.1));
        double[] bias = Arrays.ToDouble(Values(random, groupSize, 0, 0.1));
        bool weighted = kernel != "Doubles8", biased = kernel != "Doubles64", statistics = kernel != "Doubles16";
        (double[] expected, double[] expectedMean, double[] expectedRstd) =
            Reference.LayerNorm(x, groups, groupSize, 1e-5, weighted ? weight : null, biased ? bias : null);

        double[] output = new double[start + x.Length];
        Array.Fill(output, Untouched, 0, start);
        double[] mean = new double[start + groups], rstd = new double[start + groups];
        var arguments = new List<Array> { Padded(x, start) };
        arguments.AddRange(weighted ? [Padded(weight, start)] : []);
        arguments.AddRange(biased ? [Padded(bias, start)] : []);
        arguments.Add(output);
        arguments.AddRange(statistics ? [mean, rstd] : []);
        Kernels.Value.RunFrom(kernel, start, [.. arguments]);

        Assert.All(output[..start], v => Assert.Equal(Untouched, v));
        Assert.InRange(Reference.MaxAbsDifference(expected, output[start..]), 0, 1e-11);
        if (statistics)
        {
            Assert.InRange(Reference.MaxAbsDifference(expectedMean, mean[start..]), 0, 1e-11 * 100);
            Assert.InRange(Reference.MaxAbsDifference(expectedRstd, rstd[start..]), 0, 1e-11 * expectedRstd.Max());
        }
    }

    /// <summary>
    /// The batched code, not only the per-group code it falls back to, computes the groups: with the fallback made to
    /// throw, data whose first elements lie near their groups' means (16, 24 and 100 floats, 33 doubles: whole vectors,
    /// part vectors, loops) runs through, and matches the reference. The groups after the last batch take the per-group
    /// code without asking, so they still run. A first element 10 from the others sends its batch to the fallback.
    /// </summary>
    [Theory]
    [InlineData("[LayerNorm(100, 16)]", "float", 100, 16, false)]
    [InlineData("[LayerNorm(100, 24)]", "float", 100, 24, false)]
    [InlineData("[LayerNorm(40, 100)]", "float", 40, 100, false)]
    [InlineData("[LayerNorm(25, 33)]", "double", 25, 33, false)]
    [InlineData("[LayerNorm(40, 100)]", "float", 40, 100, true)]
    public void WellBehavedBatchesTakeTheBatchedCode(string attribute, string type, int groups, int groupSize, bool outlier)
    {
        CompiledKernels strict = CompiledKernels.Compile(
            [new KernelDeclaration("K", attribute, type, ["input", "weight", "bias", "output", "mean", "rstd"])],
            rewrite: source => source.Replace("if (regular)", "if (regular ? true : throw new global::System.InvalidOperationException(\"per-group code\"))", StringComparison.Ordinal));
        Assert.Contains("if (regular)", strict.SourceOf("K"), StringComparison.Ordinal); // so the rewrite took
        var random = new Random(groups + groupSize);
        float[] values = Values(random, groups * groupSize, 3, 2);
        for (int g = 0; g < groups; g++)
        {
            values[g * groupSize] = 3;
        }

        if (outlier)
        {
            Values(random, groupSize, 0, 0.1).CopyTo(values, 0);
            values[0] = 10;
        }

        double[] x = Arrays.ToDouble(values);
        double[] weight = Arrays.ToDouble(Values(random, groupSize, 1, 0.1));
        double[] bias = Arrays.ToDouble(Values(random, groupSize, 0, 0.1));
        double[] expected = Reference.LayerNorm(x, groups, groupSize, 1e-5, weight, bias).Output;
        Array output = Arrays.Zeros(type, x.Length);
        void Run() => strict.Run("K", Arrays.Of(type, x), Arrays.Of(type, weight), Arrays.Of(type, bias), output, Arrays.Zeros(type, groups), Arrays.Zeros(type, groups));

        if (outlier)
        {
            Assert.Equal("per-group code", Assert.Throws<InvalidOperationException>(Run).Message);
            return;
        }

        Run();
        Assert.InRange(Reference.MaxAbsDifference(expected, Arrays.ToDouble(output)), 0, type == "float" ? 2e-5 : 1e-11);
    }
}

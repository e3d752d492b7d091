using System.Runtime.CompilerServices;
using FixedNorm.Tests.Infrastructure;
using static FixedNorm.Tests.Infrastructure.Placement;

namespace FixedNorm.Tests.Numerics;

/// <summary>
/// LayerNorm's aligned plan (16 or more groups of whole 64-byte lines, 2 to 8 KB in cache, 2 to 6 KB beyond it while
/// the output is not streamed): loads aligned from the
/// input's first aligned element of each group (<c>head</c>, found at run time), the first and last vectors unaligned
/// with their own lanes masked into the sums, weight and bias copied to the stack at the input's alignment, and each
/// group's statistics summed in the previous group's store loop. Checked at every alignment the input can have (the
/// spans starting 0 to 15 floats, 0 to 7 doubles, into their arrays), with the output being the input, with sums in
/// chunks (and a last chunk holding only the masked lanes), with outlier first elements and overflowing float squares in
/// the first, a middle and the last group (each takes its own code path), every element, mean and rstd against the
/// float64 reference.
/// </summary>
public sealed class AlignedPlanTests
{

    private static readonly Lazy<CompiledKernels> Kernels = new(() => CompiledKernels.Compile(
    [
        new KernelDeclaration("Affine768", "[LayerNorm(64, 768)]", "float", ["input", "weight", "bias", "output"]),
        new KernelDeclaration("Chunked", "[LayerNorm(16, 2048)]", "float", ["input", "output", "mean", "rstd"]),
        new KernelDeclaration("OnlyEdgesInLastChunk", "[LayerNorm(16, 1040)]", "float", ["input", "weight", "output", "mean", "rstd"]),
        new KernelDeclaration("Doubles", "[LayerNorm(32, 256)]", "double", ["input", "bias", "output", "mean", "rstd"]),
        new KernelDeclaration("TooFewGroups", "[LayerNorm(8, 768)]", "float", ["input", "output"]),
        new KernelDeclaration("TooNarrow", "[LayerNorm(16, 256)]", "float", ["input", "output"]),
        new KernelDeclaration("TooWide", "[LayerNorm(32, 4096)]", "float", ["input", "output"]),
        new KernelDeclaration("NotWholeLines", "[LayerNorm(16, 776)]", "float", ["input", "output"]),
        new KernelDeclaration("OutOfCache", "[LayerNorm(1024, 768)]", "float", ["input", "weight", "bias", "output", "mean", "rstd"]),
        new KernelDeclaration("OutOfCache6KB", "[LayerNorm(512, 1536)]", "float", ["input", "output"]),
        new KernelDeclaration("OutOfCache8KB", "[LayerNorm(256, 2048)]", "float", ["input", "output"]),
        new KernelDeclaration("Streamed", "[LayerNorm(2731, 768)]", "float", ["input", "output"]),
    ]));

    [Theory]
    [InlineData("Affine768", true)]
    [InlineData("Chunked", true)]
    [InlineData("OnlyEdgesInLastChunk", true)]
    [InlineData("Doubles", true)]
    [InlineData("TooFewGroups", false)]
    [InlineData("TooNarrow", false)]
    [InlineData("TooWide", false)]
    [InlineData("NotWholeLines", false)]
    [InlineData("OutOfCache", true)]
    [InlineData("OutOfCache6KB", true)]
    [InlineData("OutOfCache8KB", false)]
    [InlineData("Streamed", false)]
    public void OnlyGroupsOfWholeLinesFrom2To8KBInCacheOr2To6KBNotStreamedAreAligned(string kernel, bool aligned)
    {
        string source = Kernels.Value.SourceOf(kernel);
        Assert.Equal(aligned, source.Contains("ElementsToAlignment(ref inputRef", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Placement.FloatStarts), MemberType = typeof(Placement))]
    public void EveryAlignmentMatchesTheReference(int start)
    {
        const int Groups = 64, GroupSize = 768;
        var random = new Random(start);
        float[] x = Values(random, Groups * GroupSize, 3);
        float[] weight = Values(random, GroupSize, 1, 0.1);
        float[] bias = Values(random, GroupSize, 0, 0.1);
        double[] expected = Reference.LayerNorm(Arrays.ToDouble(x), Groups, GroupSize, 1e-5, Arrays.ToDouble(weight), Arrays.ToDouble(bias)).Output;

        float[] output = Padded(new float[x.Length], start);
        float[] input = Padded(x, start);
        Kernels.Value.RunFrom("Affine768", start, input, Padded(weight, start), Padded(bias, start), output);

        AssertMatches(expected, output, start, 2e-5);
        Assert.Equal(Padded(x, start), input);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(15)]
    public void AnOutputThatIsTheInputMatchesTheReference(int start)
    {
        const int Groups = 64, GroupSize = 768;
        var random = new Random(100 + start);
        float[] x = Values(random, Groups * GroupSize, -2);
        float[] weight = Values(random, GroupSize, 1, 0.1);
        float[] bias = Values(random, GroupSize, 0, 0.1);
        double[] expected = Reference.LayerNorm(Arrays.ToDouble(x), Groups, GroupSize, 1e-5, Arrays.ToDouble(weight), Arrays.ToDouble(bias)).Output;

        float[] inPlace = Padded(x, start);
        Kernels.Value.RunFrom("Affine768", start, inPlace, Padded(weight, start), Padded(bias, start), inPlace);

        AssertMatches(expected, inPlace, start, 2e-5);
    }

    [Theory]
    [InlineData("Chunked", 2048, 0)]
    [InlineData("Chunked", 2048, 7)]
    [InlineData("Chunked", 2048, 13)]
    [InlineData("OnlyEdgesInLastChunk", 1040, 0)]
    [InlineData("OnlyEdgesInLastChunk", 1040, 1)]
    [InlineData("OnlyEdgesInLastChunk", 1040, 9)]
    public void ChunkedSumsMatchTheReference(string kernel, int groupSize, int start)
    {
        const int Groups = 16;
        bool weighted = kernel == "OnlyEdgesInLastChunk";
        var random = new Random(200 + start);
        float[] x = Values(random, Groups * groupSize, 50, 4);
        float[] weight = Values(random, groupSize, 1, 0.1);
        (double[] expected, double[] expectedMean, double[] expectedRstd) =
            Reference.LayerNorm(Arrays.ToDouble(x), Groups, groupSize, 1e-5, weighted ? Arrays.ToDouble(weight) : null, null);

        float[] output = Padded(new float[x.Length], start);
        float[] mean = Padded(new float[Groups], start);
        float[] rstd = Padded(new float[Groups], start);
        Array[] arguments = weighted
            ? [Padded(x, start), Padded(weight, start), output, mean, rstd]
            : [Padded(x, start), output, mean, rstd];
        Kernels.Value.RunFrom(kernel, start, arguments);

        AssertMatches(expected, output, start, 2e-5);
        AssertStatistics(expectedMean, expectedRstd, mean, rstd, start, meanTolerance: 2e-5);
    }

    [Theory]
    [MemberData(nameof(Placement.DoubleStarts), MemberType = typeof(Placement))]
    public void DoublesAtEveryAlignmentMatchTheReference(int start)
    {
        const int Groups = 32, GroupSize = 256;
        var random = new Random(300 + start);
        double[] x = Arrays.ToDouble(Values(random, Groups * GroupSize, 7));
        double[] bias = Arrays.ToDouble(Values(random, GroupSize, 0, 0.1));
        (double[] expected, double[] expectedMean, double[] expectedRstd) = Reference.LayerNorm(x, Groups, GroupSize, 1e-5, null, bias);

        double[] output = new double[start + x.Length];
        Array.Fill(output, Untouched, 0, start);
        double[] mean = new double[start + Groups], rstd = new double[start + Groups];
        Kernels.Value.RunFrom("Doubles", start, Padded(x, start), Padded(bias, start), output, mean, rstd);

        Assert.All(output[..start], v => Assert.Equal(Untouched, v));
        Assert.InRange(Reference.MaxAbsDifference(expected, output[start..]), 0, 1e-11);
        Assert.InRange(Reference.MaxAbsDifference(expectedMean, mean[start..]), 0, 1e-11);
        Assert.InRange(Reference.MaxAbsDifference(expectedRstd, rstd[start..]), 0, 1e-11 * expectedRstd.Max());
    }

    /// <summary>
    /// Group 0's statistics come from a pass of their own, a middle group's and the last group's from the store loop
    /// before them: an outlier first element (10 from the others, which spread over +-0.1) must take the second pass
    /// around the mean in each, and float squares that overflow (values near 1e20) the pass in double.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(6)]
    [InlineData(11)]
    public void OutlierAndOverflowingGroupsMatchTheReference(int start)
    {
        const int Groups = 16, GroupSize = 2048;
        var random = new Random(400 + start);
        float[] x = Values(random, Groups * GroupSize, 0, 0.1);
        foreach (int g in new[] { 0, 7, Groups - 1 })
        {
            x[g * GroupSize] = g % 2 == 0 ? 10 : -10;
        }

        foreach (int g in new[] { 1, 8, Groups - 2 })
        {
            for (int i = 0; i < GroupSize; i++)
            {
                x[(g * GroupSize) + i] = (float)(1e20 * (1 + (0.5 * Gaussian(random))));
            }
        }

        (double[] expected, double[] expectedMean, double[] expectedRstd) = Reference.LayerNorm(Arrays.ToDouble(x), Groups, GroupSize, 1e-5, null, null);

        float[] output = Padded(new float[x.Length], start);
        float[] mean = Padded(new float[Groups], start);
        float[] rstd = Padded(new float[Groups], start);
        Kernels.Value.RunFrom("Chunked", start, Padded(x, start), output, mean, rstd);

        AssertMatches(expected, output, start, 2e-5);
        AssertStatistics(expectedMean, expectedRstd, mean, rstd, start, meanTolerance: 1e-4);
    }

    /// <summary>
    /// Beyond the L2 cache the plan is the same code over more groups: every element, mean and rstd of 1,024 groups
    /// (6 MB in and out), with outlier first elements in the first, a middle and the last group.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(12)]
    public void OutOfCacheGroupsMatchTheReference(int start)
    {
        const int Groups = 1024, GroupSize = 768;
        var random = new Random(500 + start);
        float[] x = Values(random, Groups * GroupSize, 1, 2);
        foreach (int g in new[] { 0, Groups / 2, Groups - 1 })
        {
            x[g * GroupSize] = 40;
        }

        float[] weight = Values(random, GroupSize, 1, 0.1);
        float[] bias = Values(random, GroupSize, 0, 0.1);
        (double[] expected, double[] expectedMean, double[] expectedRstd) =
            Reference.LayerNorm(Arrays.ToDouble(x), Groups, GroupSize, 1e-5, Arrays.ToDouble(weight), Arrays.ToDouble(bias));

        float[] output = Padded(new float[x.Length], start);
        float[] mean = Padded(new float[Groups], start);
        float[] rstd = Padded(new float[Groups], start);
        Kernels.Value.RunFrom("OutOfCache", start, Padded(x, start), Padded(weight, start), Padded(bias, start), output, mean, rstd);

        AssertMatches(expected, output, start, 2e-5);
        AssertStatistics(expectedMean, expectedRstd, mean, rstd, start, meanTolerance: 2e-5);
    }

    /// <summary>
    /// The runtime helper places a copy so that its element head lies on the boundary (by ElementsToAlignment, tested
    /// against a pinned address in StreamedOutputTests), inside the buffer.
    /// </summary>
    [Fact]
    public void TheCopyStartPutsElementHeadOnABoundary()
    {
        Span<float> buffer = stackalloc float[64 + 15 + 16];
        for (int offset = 0; offset < 16; offset++)
        {
            Span<float> floats = buffer[offset..];
            for (int head = 0; head < 16; head++)
            {
                ref float start = ref MemoryHints.AlignedCopyStart(floats[..(64 + 15)], head, 64);
                Assert.InRange(Unsafe.ByteOffset(ref floats[0], ref start) / 4, 0, 15);
                Assert.Equal(0, MemoryHints.ElementsToAlignment(ref Unsafe.Add(ref start, head), 64));
            }
        }

        Span<double> doubles = stackalloc double[32 + 7];
        for (int head = 0; head < 8; head++)
        {
            ref double start = ref MemoryHints.AlignedCopyStart(doubles, head, 64);
            Assert.InRange(Unsafe.ByteOffset(ref doubles[0], ref start) / 8, 0, 7);
            Assert.Equal(0, MemoryHints.ElementsToAlignment(ref Unsafe.Add(ref start, head), 64));
        }
    }
}

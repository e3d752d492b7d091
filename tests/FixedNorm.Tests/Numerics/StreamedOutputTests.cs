using System.Runtime.Intrinsics;
using FixedNorm.Tests.Infrastructure;
using static FixedNorm.Tests.Infrastructure.Placement;

namespace FixedNorm.Tests.Numerics;

/// <summary>
/// LayerNorm outputs of 8 MB and more whose groups are whole 64-byte lines, 512 bytes or more, are streamed past the caches: aligned
/// non-temporal stores from the output's first aligned element on, the vector across two groups put together on the
/// stack, ordinary stores before the first and after the last aligned element. Checked at every alignment the output
/// can have (the span starting 0 to 15 floats into its array), with the output being the input itself, for the smallest
/// groups streamed and for doubles, every element against the float64 reference; and the elements before the span stay
/// untouched.
/// </summary>
public sealed class StreamedOutputTests
{

    private static readonly Lazy<CompiledKernels> Kernels = new(() => CompiledKernels.Compile(
    [
        new KernelDeclaration("Rows768", "[LayerNorm(2731, 768)]", "float", ["input", "weight", "bias", "output"]),
        new KernelDeclaration("SmallestGroups", "[LayerNorm(32768, 128)]", "float", ["input", "output", "mean", "rstd"]),
        new KernelDeclaration("Groups448Bytes", "[LayerNorm(65536, 112)]", "float", ["input", "output"]),
        new KernelDeclaration("OneVectorGroups", "[LayerNorm(131072, 16)]", "float", ["input", "output"]),
        new KernelDeclaration("Doubles", "[LayerNorm(1366, 768)]", "double", ["input", "output", "mean", "rstd"]),
        new KernelDeclaration("JustBelow8MB", "[LayerNorm(2730, 768)]", "float", ["input", "output"]),
        new KernelDeclaration("NotWholeLines", "[LayerNorm(2731, 776)]", "float", ["input", "output"]),
    ]));

    [Theory]
    [InlineData("Rows768", true)]
    [InlineData("SmallestGroups", true)]
    [InlineData("Doubles", true)]
    [InlineData("JustBelow8MB", false)]
    [InlineData("NotWholeLines", false)]
    [InlineData("Groups448Bytes", false)]
    [InlineData("OneVectorGroups", false)]
    public void OnlyLargeOutputsOfWholeLinesInGroupsOf512BytesOrMoreAreStreamed(string kernel, bool streamed)
    {
        Kernels.Value.AssertStreamed(kernel, streamed);
    }

    [Theory]
    [MemberData(nameof(Placement.FloatStarts), MemberType = typeof(Placement))]
    public void EveryAlignmentMatchesTheReference(int start)
    {
        const int Groups = 2731, GroupSize = 768;
        var random = new Random(start);
        float[] x = Values(random, Groups * GroupSize, 3);
        float[] weight = Values(random, GroupSize, 1, 0.1);
        float[] bias = Values(random, GroupSize, 0, 0.1);
        double[] expected = Reference.LayerNorm(Arrays.ToDouble(x), Groups, GroupSize, 1e-5, Arrays.ToDouble(weight), Arrays.ToDouble(bias)).Output;

        float[] output = Padded(new float[x.Length], start);
        Kernels.Value.RunFrom("Rows768", start, Padded(x, start), Padded(weight, start), Padded(bias, start), output);

        AssertMatches(expected, output, start, 2e-5);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(10)]
    [InlineData(15)]
    public void AnOutputThatIsTheInputMatchesTheReference(int start)
    {
        const int Groups = 2731, GroupSize = 768;
        var random = new Random(100 + start);
        float[] x = Values(random, Groups * GroupSize, -2);
        float[] weight = Values(random, GroupSize, 1, 0.1);
        float[] bias = Values(random, GroupSize, 0, 0.1);
        double[] expected = Reference.LayerNorm(Arrays.ToDouble(x), Groups, GroupSize, 1e-5, Arrays.ToDouble(weight), Arrays.ToDouble(bias)).Output;

        float[] inPlace = Padded(x, start);
        Kernels.Value.RunFrom("Rows768", start, inPlace, Padded(weight, start), Padded(bias, start), inPlace);

        AssertMatches(expected, inPlace, start, 2e-5);
    }

    [Theory]
    [MemberData(nameof(Placement.FloatStarts), MemberType = typeof(Placement))]
    public void SmallestStreamedGroupsMatchTheReference(int start)
    {
        const int Groups = 32768, GroupSize = 128;
        var random = new Random(200 + start);
        float[] x = Values(random, Groups * GroupSize, 0.5);
        (double[] expected, double[] expectedMean, double[] expectedRstd) = Reference.LayerNorm(Arrays.ToDouble(x), Groups, GroupSize, 1e-5, null, null);

        float[] output = Padded(new float[x.Length], start);
        float[] mean = Padded(new float[Groups], start);
        float[] rstd = Padded(new float[Groups], start);
        Kernels.Value.RunFrom("SmallestGroups", start, Padded(x, start), output, mean, rstd);

        AssertMatches(expected, output, start, 2e-5);
        Assert.InRange(Reference.MaxAbsDifference(expectedMean, Arrays.ToDouble(mean[start..])), 0, 2e-5);
        Assert.InRange(Reference.MaxAbsDifference(expectedRstd, Arrays.ToDouble(rstd[start..])), 0, 2e-5 * expectedRstd.Max());
    }

    [Theory]
    [MemberData(nameof(Placement.DoubleStarts), MemberType = typeof(Placement))]
    public void DoublesAtEveryAlignmentMatchTheReference(int start)
    {
        const int Groups = 1366, GroupSize = 768;
        var random = new Random(300 + start);
        double[] x = Arrays.ToDouble(Values(random, Groups * GroupSize, 7));
        (double[] expected, double[] expectedMean, double[] expectedRstd) = Reference.LayerNorm(x, Groups, GroupSize, 1e-5, null, null);

        double[] output = new double[start + x.Length];
        Array.Fill(output, Untouched, 0, start);
        double[] paddedX = new double[start + x.Length];
        x.CopyTo(paddedX, start);
        double[] mean = new double[start + Groups], rstd = new double[start + Groups];
        Kernels.Value.RunFrom("Doubles", start, paddedX, output, mean, rstd);

        Assert.All(output[..start], v => Assert.Equal(Untouched, v));
        Assert.InRange(Reference.MaxAbsDifference(expected, output[start..]), 0, 1e-11);
        Assert.InRange(Reference.MaxAbsDifference(expectedMean, mean[start..]), 0, 1e-11);
        Assert.InRange(Reference.MaxAbsDifference(expectedRstd, rstd[start..]), 0, 1e-11 * expectedRstd.Max());
    }

    /// <summary>The runtime helper streams only where the address is aligned and stores the ordinary way elsewhere.</summary>
    [Fact]
    public void TheStoreHelperWritesTheVectorAtAnyAlignment()
    {
        float[] buffer = GC.AllocateArray<float>(64, pinned: true);
        var handle = System.Runtime.InteropServices.GCHandle.Alloc(buffer, System.Runtime.InteropServices.GCHandleType.Pinned);
        nint address = handle.AddrOfPinnedObject();
        handle.Free();
        var value = Vector512.Create(1f, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
        for (int offset = 0; offset < 16; offset++)
        {
            Array.Fill(buffer, Untouched);
            ref float destination = ref buffer[offset];
            int head = MemoryHints.ElementsToAlignment(ref destination, 64);
            Assert.InRange(head, 0, 15);
            Assert.Equal(0, (address + (4 * (offset + head))) % 64);

            MemoryHints.StoreNonTemporal(value, ref destination);
            MemoryHints.StoreNonTemporal(value.GetLower(), ref buffer[offset + 16]);
            MemoryHints.StoreNonTemporal(value.GetLower().GetLower(), ref buffer[offset + 24]);
            MemoryHints.StoreFence();

            float[] expected = Enumerable.Repeat(Untouched, 64).ToArray();
            value.CopyTo(expected, offset);
            value.GetLower().CopyTo(expected, offset + 16);
            value.GetLower().GetLower().CopyTo(expected, offset + 24);
            Assert.Equal(expected, buffer);
        }
    }
}

using System.Text.RegularExpressions;
using FixedNorm.Tests.Infrastructure;

namespace FixedNorm.Tests.Robustness;

/// <summary>
/// Generated kernels never read a stack buffer before writing it. A user may put <c>[SkipLocalsInit]</c> on the module
/// or the type that holds the kernels (common in projects that care for speed), and kernels carry it themselves where
/// the project allows unsafe code; then <c>stackalloc</c> hands out whatever the stack held. Every kernel below, one or
/// more for each emitter that keeps values in stack buffers, runs compiled under <c>[module: SkipLocalsInit]</c> right
/// after the stack below its caller was filled with one byte, and must give the same bits as the same kernel compiled
/// where nothing can skip zeroing. The fill is finite (0.75 in a float) or NaN: a NaN or huge value in a kernel's sums
/// sends it to an exact fallback that repairs most of the damage, so finite garbage is what finds a missing clear.
/// </summary>
public sealed partial class StackStartTests
{
    /// <summary>A kernel and the lengths of its arrays.</summary>
    /// <param name="Features">Elements of weight and bias (LayerNorm's normalized shape, BatchNorm's channels).</param>
    /// <param name="Groups">Elements of mean and rstd (LayerNorm's groups).</param>
    public sealed record Case(string Name, string Attribute, string Type, int Elements, int Features, int Groups, string[] Parameters);

    private static readonly string[] Affine = ["input", "weight", "bias", "output"];
    private static readonly string[] AffineWithStatistics = ["input", "weight", "bias", "output", "mean", "rstd"];
    private static readonly string[] Training = ["input", "weight", "bias", "runningMean", "runningVar", "output"];
    private static readonly string[] Inference = ["input", "weight", "bias", "runningMean", "runningVar", "output"];

    internal static readonly Case[] Cases =
    [
        // LayerNorm: the transposed, per-group, aligned (weight and bias copied to the stack), batched and streamed plans.
        new("LnTiny", "[LayerNorm(8, 3)]", "float", 24, 3, 8, Affine),
        new("LnTransposed", "[LayerNorm(64, 5)]", "float", 320, 5, 64, AffineWithStatistics),
        new("LnPerGroup", "[LayerNorm(4, 1000)]", "float", 4000, 1000, 4, AffineWithStatistics),
        new("LnAligned", "[LayerNorm(64, 768)]", "float", 49152, 768, 64, AffineWithStatistics),
        new("LnAlignedWeight", "[LayerNorm(32, 1024)]", "float", 32768, 1024, 32, ["input", "weight", "output"]),
        new("LnAlignedDouble", "[LayerNorm(32, 512)]", "double", 16384, 512, 32, AffineWithStatistics),
        new("LnBatched", "[LayerNorm(1000, 16)]", "float", 16000, 16, 1000, AffineWithStatistics),
        new("LnBatchedPart", "[LayerNorm(100, 24)]", "float", 2400, 24, 100, AffineWithStatistics),
        new("LnBatchedDouble", "[LayerNorm(30, 11)]", "double", 330, 11, 30, AffineWithStatistics),
        new("LnStreamed", "[LayerNorm(4096, 512)]", "float", 4096 * 512, 512, 4096, Affine),

        // BatchNorm training: unrolled, transposed, in order (long runs, pipelined blocks, short runs with period
        // tables), channels-last in row order and with channel tables.
        new("BnT8x3", "[BatchNorm(8, 3)]", "float", 24, 3, 0, Training),
        new("BnT256x64", "[BatchNorm(256, 64)]", "float", 16384, 64, 0, Training),
        new("BnTNcl", "[BatchNorm(32, 64, 128)]", "float", 262144, 64, 0, Training),
        new("BnTNclDouble", "[BatchNorm(16, 32, 64)]", "double", 32768, 32, 0, Training),
        new("BnTShortRuns", "[BatchNorm(64, 32, 16)]", "float", 32768, 32, 0, Training),
        new("BnTOddRuns", "[BatchNorm(65, 3, 9)]", "float", 1755, 3, 0, Training),
        new("BnTRunsOf3", "[BatchNorm(40, 8, 3)]", "double", 960, 8, 0, Training),
        new("BnTNhwc", "[BatchNorm(8, 4, 4, 64, ChannelAxis = -1)]", "float", 8192, 64, 0, Training),
        new("BnTNhwcTables", "[BatchNorm(8, 4, 4, 256, ChannelAxis = -1)]", "float", 32768, 256, 0, Training),
        new("BnTWide", "[BatchNorm(70, 200)]", "float", 14000, 200, 0, Training),
        new("BnTNhwcStreamed", "[BatchNorm(64, 32, 32, 64, ChannelAxis = -1)]", "float", 64 * 32 * 32 * 64, 64, 0, Training), // 16 MB: aligned, rotated

        // BatchNorm inference: aligned rows, aligned runs, in order with short runs, channels-last with channel tables.
        new("BnI256x64", "[BatchNorm(256, 64, Mode = BatchNormMode.Inference)]", "float", 16384, 64, 0, Inference),
        new("BnINcl", "[BatchNorm(32, 64, 128, Mode = BatchNormMode.Inference)]", "float", 262144, 64, 0, Inference),
        new("BnIShortRuns", "[BatchNorm(33, 2, 9, Mode = BatchNormMode.Inference)]", "float", 594, 2, 0, Inference),
        new("BnIOddRuns", "[BatchNorm(70, 5, 13, Mode = BatchNormMode.Inference)]", "float", 4550, 5, 0, Inference),
        new("BnINhwcTables", "[BatchNorm(8, 7, 7, 260, ChannelAxis = -1, Mode = BatchNormMode.Inference)]", "float", 101920, 260, 0, Inference),
        new("BnIWide", "[BatchNorm(9, 260, Mode = BatchNormMode.Inference)]", "double", 2340, 260, 0, Inference),
    ];

    private static readonly KernelDeclaration[] Declarations = [.. Cases.Select(c => new KernelDeclaration(
        c.Name, c.Attribute, c.Type, c.Parameters, c.Attribute.Contains("Inference", StringComparison.Ordinal) ? ["runningMean", "runningVar"] : null))];

    private static readonly Lazy<CompiledKernels> Zeroed = new(() => CompiledKernels.Compile(Declarations, stack: StackStart.Zeroed));

    private static readonly Lazy<CompiledKernels> Dirty = new(() => CompiledKernels.Compile(Declarations, stack: StackStart.Dirty));

    public static TheoryData<string, int, byte> Runs() =>
        new(Cases.SelectMany(c => new[] { (c.Name, 0, (byte)0x3F), (c.Name, 3, (byte)0x3F), (c.Name, 0, (byte)0xFF) }));

    /// <summary>Every kernel, at two alignments, gives the same bits with a dirty stack as with a zeroed one.</summary>
    [Theory]
    [MemberData(nameof(Runs))]
    public void ADirtyStackChangesNoBit(string name, int start, byte fill)
    {
        Case c = Cases.Single(k => k.Name == name);
        // Both compiled before the arrays exist (compiling may move them), and the same arrays for both runs, so where
        // they lie (which some plans follow to align their loads, and so their sums) is the same too.
        CompiledKernels zeroed = Zeroed.Value, dirty = Dirty.Value;
        dirty.SetStackFill(fill);
        Array[] arguments = Arguments(c, start);
        Array[] initial = [.. arguments.Select(a => (Array)a.Clone())];
        zeroed.RunFrom(name, start, arguments);
        Array[] expected = [.. arguments.Select(a => (Array)a.Clone())];

        // The first call compiles the kernel on the stack just filled; the second sees the fill.
        for (int call = 0; call < 2; call++)
        {
            for (int i = 0; i < arguments.Length; i++)
            {
                Array.Copy(initial[i], arguments[i], arguments[i].Length);
            }

            dirty.RunFrom(name, start, arguments);
        }

        for (int i = 0; i < c.Parameters.Length; i++)
        {
            int first = FirstDifference(expected[i], arguments[i]);
            Assert.True(first < 0, $"{name}: {c.Parameters[i]} differs with a dirty stack from element {first} on ({expected[i].GetValue(Math.Max(first, 0))}, not {arguments[i].GetValue(Math.Max(first, 0))})");
        }

        Assert.All(Doubles(expected[Array.IndexOf(c.Parameters, "output")]), v => Assert.True(double.IsFinite(v)));
    }

    /// <summary>
    /// The kernels above declare every stack buffer the emitters write (names as they appear in generated code): a
    /// buffer added to an emitter fails this until it is added here, and a kernel that declares it to the cases.
    /// </summary>
    [Fact]
    public void TheKernelsCoverEveryStackBuffer()
    {
        SortedSet<string> declared = [.. Dirty.Value.GeneratedSources.SelectMany(s => StackBuffer().Matches(s).Select(m => m.Groups[1].Value))];
        Assert.Equal(
            ["biases", "centers", "invStds", "means", "mus", "partials", "rotation", "scales", "shifts", "squares", "straddle", "sums", "table", "tables"],
            declared);
        // Buffer names repeat across emitters: each emitter's own comment or local shows it ran.
        string[] markers =
        [
            "copied to the stack at the same distance from a line", // AlignedLayerNormEmitter
            "groups at a time: each group's first element", // BatchedLayerNormEmitter
            "the vector across two groups is put together in straddle", // StreamingStore
            "Each channel's center, scale = weight / sqrt(runningVar + eps) and bias, once.", // in-order inference
            "Per channel: shift (its first value); its sums and sums of squares", // in-order training
            "The tables in one stack buffer from a 64-byte line on.", // in-order period tables
            "var centerH0 = ", // AlignedRowsBatchNormEmitter, inference
            "var muH0 = ", // AlignedRowsBatchNormEmitter, training's second pass
            "into stack tables; then each block's statistics", // ChannelTablesBatchNormEmitter, training
            "into a stack table; then the store pass by chunks of rows", // ChannelTablesBatchNormEmitter, inference
        ];
        Assert.All(markers, marker => Assert.Contains(Dirty.Value.GeneratedSources, s => s.Contains(marker, StringComparison.Ordinal)));
    }

    private static Array[] Arguments(Case c, int start)
    {
        var random = new Random(c.Name.Length * 131 + start);
        return [.. c.Parameters.Select(p =>
        {
            int length = p switch
            {
                "input" or "output" => c.Elements,
                "mean" or "rstd" => c.Groups,
                _ => c.Features,
            };
            double[] values = [.. Enumerable.Range(0, start + length).Select(_ => p switch
            {
                "input" => 3 + (2 * random.NextDouble()),
                "runningVar" => 0.5 + random.NextDouble(),
                "output" or "mean" or "rstd" => 0,
                _ => random.NextDouble() - 0.5,
            })];
            return Arrays.Of(c.Type, values);
        })];
    }

    /// <summary>The first element whose bits differ, or -1.</summary>
    private static int FirstDifference(Array expected, Array actual)
    {
        long[] e = Bits(expected), a = Bits(actual);
        return Enumerable.Range(0, e.Length).FirstOrDefault(k => e[k] != a[k], -1);
    }

    private static long[] Bits(Array array) => array switch
    {
        float[] f => [.. f.Select(v => (long)BitConverter.SingleToInt32Bits(v))],
        double[] d => [.. d.Select(BitConverter.DoubleToInt64Bits)],
        _ => throw new ArgumentException(array.GetType().Name),
    };

    private static IEnumerable<double> Doubles(Array array) => array switch
    {
        float[] f => f.Select(v => (double)v),
        double[] d => d,
        _ => throw new ArgumentException(array.GetType().Name),
    };

    [GeneratedRegex(@"Span<\w+> (\w+) = stackalloc")]
    private static partial Regex StackBuffer();
}

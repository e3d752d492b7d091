using FixedNorm.Tests.Infrastructure;
using static FixedNorm.Tests.Infrastructure.Placement;

namespace FixedNorm.Tests.Numerics;

/// <summary>
/// BatchNorm inference with aligned stores. Channels-last (AlignedRowsBatchNormEmitter): where the channels are whole
/// vectors, the output from its first aligned element (<c>head</c>, found at run time) on is one run of aligned vectors,
/// each block's constants rotated by head through a stack table. In order (AlignedRunsBatchNormEmitter): where the runs
/// are 4 whole vectors or more, the runs are one stream of aligned vectors from head on, each run's last vector taking
/// its constants per lane from its own channel and the next. Both store the first and last vectors (unaligned) last.
/// Checked at every alignment the output can have (spans 0 to 15 floats, 0 to 7 doubles, into their arrays), in place,
/// with the loop and the vectors after it, without a loop, with one block and with eight, with the next channel
/// wrapping to channel 0 at a row's end, with outputs of 16 MB and more streamed (non-temporal stores), each element
/// against the float64 reference; and on which shapes each plan is taken and which outputs are streamed.
/// </summary>
public sealed class AlignedStoresPlanTests
{
    private static readonly (string Name, string Attribute, string Type, int Rows, int Channels, int Inner, string[] Affine)[] Cases =
    [
        ("Suite", "[BatchNorm(16, 32, 32, 64, ChannelAxis = -1, Mode = BatchNormMode.Inference)]", "float", 16384, 64, 1, ["weight", "bias"]),
        ("OneBlock", "[BatchNorm(37, 16, Mode = BatchNormMode.Inference)]", "float", 37, 16, 1, ["weight"]),
        ("EightBlocks", "[BatchNorm(9, 128, Mode = BatchNormMode.Inference)]", "float", 9, 128, 1, ["bias"]),
        ("NoLoop", "[BatchNorm(3, 16, Mode = BatchNormMode.Inference)]", "float", 3, 16, 1, []),
        ("ThreeBlocks", "[BatchNorm(5, 48, Mode = BatchNormMode.Inference)]", "float", 5, 48, 1, ["weight", "bias"]),
        ("Doubles", "[BatchNorm(13, 24, Mode = BatchNormMode.Inference)]", "double", 13, 24, 1, ["weight", "bias"]),
        ("NotWholeVectors", "[BatchNorm(64, 20, Mode = BatchNormMode.Inference)]", "float", 64, 20, 1, ["weight", "bias"]),
        ("SuiteNcl", "[BatchNorm(32, 64, 128, Mode = BatchNormMode.Inference)]", "float", 32, 64, 128, ["weight", "bias"]),
        ("RunsOf64", "[BatchNorm(5, 3, 64, Mode = BatchNormMode.Inference)]", "float", 5, 3, 64, ["weight"]),
        ("LongRuns", "[BatchNorm(2, 3, 400, Mode = BatchNormMode.Inference)]", "float", 2, 3, 400, ["bias"]),
        ("DoubleRuns", "[BatchNorm(3, 5, 32, Mode = BatchNormMode.Inference)]", "double", 3, 5, 32, []),
        ("ShortRuns", "[BatchNorm(64, 32, 16, Mode = BatchNormMode.Inference)]", "float", 64, 32, 16, ["weight", "bias"]),
        ("RunsNotWholeVectors", "[BatchNorm(8, 4, 72, Mode = BatchNormMode.Inference)]", "float", 8, 4, 72, ["weight", "bias"]),
        ("StreamedNhwc", "[BatchNorm(4, 128, 128, 64, ChannelAxis = -1, Mode = BatchNormMode.Inference)]", "float", 65536, 64, 1, ["weight", "bias"]),
        ("StreamedNcl", "[BatchNorm(8, 64, 8192, Mode = BatchNormMode.Inference)]", "float", 8, 64, 8192, ["weight", "bias"]),
        ("StreamedDoubles", "[BatchNorm(2, 32, 32768, Mode = BatchNormMode.Inference)]", "double", 2, 32, 32768, ["bias"]),
        ("JustBelowStreamedNcl", "[BatchNorm(8, 64, 8176, Mode = BatchNormMode.Inference)]", "float", 8, 64, 8176, ["weight"]),
    ];

    /// <summary>Cases whose every alignment would take long (millions of elements): every fifth start only (0, 5, 10, 15 for float; 0, 5 for double).</summary>
    private static bool Large(string name) => name.StartsWith("Suite", StringComparison.Ordinal) || name.Contains("Streamed", StringComparison.Ordinal);

    private static readonly Lazy<CompiledKernels> Kernels = new(() => CompiledKernels.Compile(Cases.Select(k => new KernelDeclaration(
        k.Name, k.Attribute, k.Type, ["input", .. k.Affine, "runningMean", "runningVar", "output"], ["runningMean", "runningVar"]))));

    /// <summary>
    /// The plans on every path that has them: float channels (or runs) a multiple of 16 (Vector512) or 8 (Vector256),
    /// doubles of 8 or 4; runs of 4 vectors or more. The marker is the head taken from the output. RunsNotWholeVectors
    /// (72 floats) has whole Vector256s but runs of 2 Vector512s and 2 more, so only its Vector256 path stores aligned;
    /// ShortRuns (16 floats) is too short on both.
    /// </summary>
    [Theory]
    [InlineData("Suite", true)]
    [InlineData("OneBlock", true)]
    [InlineData("EightBlocks", true)]
    [InlineData("NoLoop", true)]
    [InlineData("ThreeBlocks", true)]
    [InlineData("Doubles", true)]
    [InlineData("NotWholeVectors", false)]
    [InlineData("SuiteNcl", true)]
    [InlineData("RunsOf64", true)]
    [InlineData("LongRuns", true)]
    [InlineData("DoubleRuns", true)]
    [InlineData("ShortRuns", false)]
    [InlineData("RunsNotWholeVectors", true)]
    [InlineData("StreamedNhwc", true)]
    [InlineData("StreamedNcl", true)]
    [InlineData("StreamedDoubles", true)]
    [InlineData("JustBelowStreamedNcl", true)]
    public void OnlyWholeVectorsTakeAlignedStores(string kernel, bool aligned)
    {
        string source = Kernels.Value.SourceOf(kernel);
        Assert.Equal(aligned, source.Contains("ElementsToAlignment(ref outputRef", StringComparison.Ordinal));
    }

    /// <summary>
    /// Outputs of 16 MB and more go straight to memory: every aligned store non-temporal, a fence after the pass. The
    /// kernel one vector a run short of 16 MB stores the ordinary way, as every smaller one does.
    /// </summary>
    [Theory]
    [InlineData("StreamedNhwc", true)]
    [InlineData("StreamedNcl", true)]
    [InlineData("StreamedDoubles", true)]
    [InlineData("JustBelowStreamedNcl", false)]
    [InlineData("Suite", false)]
    [InlineData("SuiteNcl", false)]
    public void OnlyOutputsOf16MBOrMoreAreStreamed(string kernel, bool streamed)
    {
        Kernels.Value.AssertStreamed(kernel, streamed);
        Assert.DoesNotContain("StoreNonTemporal(first", Kernels.Value.SourceOf(kernel), StringComparison.Ordinal);
    }

    public static TheoryData<string, int> KernelsAndStarts() => new(
        Cases.SelectMany(k => Enumerable.Range(0, k.Type == "float" ? 16 : 8).Where(s => !Large(k.Name) || s % 5 == 0).Select(s => (k.Name, s))));

    [Theory]
    [MemberData(nameof(KernelsAndStarts))]
    public void EveryAlignmentMatchesTheReference(string kernel, int start)
    {
        var k = Cases.Single(c => c.Name == kernel);
        Run(k, start, inPlace: false);
    }

    [Theory]
    [InlineData("Suite", 3)]
    [InlineData("OneBlock", 0)]
    [InlineData("OneBlock", 9)]
    [InlineData("EightBlocks", 15)]
    [InlineData("NoLoop", 1)]
    [InlineData("ThreeBlocks", 4)]
    [InlineData("Doubles", 5)]
    [InlineData("SuiteNcl", 6)]
    [InlineData("RunsOf64", 15)]
    [InlineData("LongRuns", 2)]
    [InlineData("DoubleRuns", 3)]
    [InlineData("StreamedNhwc", 7)]
    [InlineData("StreamedNcl", 11)]
    [InlineData("StreamedDoubles", 1)]
    public void AnOutputThatIsTheInputMatchesTheReference(string kernel, int start)
    {
        var k = Cases.Single(c => c.Name == kernel);
        Run(k, start, inPlace: true);
    }

    private static void Run((string Name, string Attribute, string Type, int Rows, int Channels, int Inner, string[] Affine) k, int start, bool inPlace)
    {
        var random = new Random((k.Name.Length * 100) + start);
        int length = k.Rows * k.Channels * k.Inner;
        var layout = new BatchNormLayout(k.Rows, k.Channels, k.Inner);
        double[] x = Enumerable.Range(0, length).Select(_ => 2 + Gaussian(random)).ToArray();
        double[] runningMean = Enumerable.Range(0, k.Channels).Select(_ => 2 + (0.5 * Gaussian(random))).ToArray();
        double[] runningVar = Enumerable.Range(0, k.Channels).Select(_ => 0.5 + random.NextDouble()).ToArray();
        double[]? weight = k.Affine.Contains("weight") ? Enumerable.Range(0, k.Channels).Select(_ => 1 + (0.1 * Gaussian(random))).ToArray() : null;
        double[]? bias = k.Affine.Contains("bias") ? Enumerable.Range(0, k.Channels).Select(_ => 0.1 * Gaussian(random)).ToArray() : null;
        bool isFloat = k.Type == "float";
        // Float kernels: the reference from the float values they see.
        double[] Exact(double[] values) => isFloat ? Arrays.ToDouble(Arrays.Of("float", values)) : values;
        x = Exact(x);
        runningMean = Exact(runningMean);
        runningVar = Exact(runningVar);
        weight = weight is null ? null : Exact(weight);
        bias = bias is null ? null : Exact(bias);
        Array Cast(double[] values) => isFloat ? Padded((float[])Arrays.Of("float", values), start) : Padded(values, start);

        double[] expected = BatchNormReference.Inference(x, layout, 1e-5, weight, bias, runningMean, runningVar);
        Array input = Cast(x);
        Array output = inPlace ? input : Cast(new double[length]);
        var arguments = new List<Array> { input };
        if (weight is not null)
        {
            arguments.Add(Cast(weight));
        }

        if (bias is not null)
        {
            arguments.Add(Cast(bias));
        }

        arguments.AddRange([Cast(runningMean), Cast(runningVar), output]);
        Kernels.Value.RunFrom(k.Name, start, [.. arguments]);

        double[] got = isFloat ? Arrays.ToDouble((float[])output) : (double[])output;
        for (int i = 0; i < start; i++)
        {
            Assert.Equal(Untouched, got[i]);
        }

        Assert.InRange(Reference.MaxAbsDifference(expected, got[start..]), 0, isFloat ? 2e-5 : 1e-12);
    }
}

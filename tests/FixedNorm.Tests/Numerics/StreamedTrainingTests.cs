using FixedNorm.Tests.Infrastructure;
using static FixedNorm.Tests.Infrastructure.Placement;

namespace FixedNorm.Tests.Numerics;

/// <summary>
/// BatchNorm training with an output of 16 MB or more: in memory order, every channel in one pass and runs of 4 whole
/// vectors or more, its pass 2 is the aligned store pass (AlignedRunsBatchNormEmitter) with non-temporal stores; in
/// row order (channels-last) with channels of whole vectors, the aligned rows pass (AlignedRowsBatchNormEmitter). Checked
/// at four alignments of the spans and in place, every element and both running statistics against the float64
/// reference; and which shapes take it (not one short of 16 MB, not one whose passes go block of channels by block, as
/// they do where a channel takes at most 256 KB, not channels-last ones whose last block overlaps the one before).
/// </summary>
public sealed class StreamedTrainingTests
{
    private static readonly (string Name, string Attribute, string Type, int Rows, int Channels, int Inner)[] Cases =
    [
        ("Streamed", "[BatchNorm(2, 16, 131072)]", "float", 2, 16, 131072),
        ("StreamedDoubles", "[BatchNorm(2, 32, 32768)]", "double", 2, 32, 32768),
        ("JustBelow", "[BatchNorm(2, 16, 131056)]", "float", 2, 16, 131056),
        ("Blocked", "[BatchNorm(64, 64, 1024)]", "float", 64, 64, 1024),
        ("StreamedNhwc", "[BatchNorm(4, 128, 128, 64, ChannelAxis = -1)]", "float", 65536, 64, 1),
        ("NhwcOverlapping", "[BatchNorm(4, 128, 120, 72, ChannelAxis = -1)]", "float", 61440, 72, 1),
    ];

    private static readonly Lazy<CompiledKernels> Kernels = new(() => CompiledKernels.Compile(Cases.Select(k => new KernelDeclaration(
        k.Name, k.Attribute, k.Type, ["input", "weight", "bias", "runningMean", "runningVar", "output"]))));

    [Theory]
    [InlineData("Streamed", true)]
    [InlineData("StreamedDoubles", true)]
    [InlineData("JustBelow", false)]
    [InlineData("Blocked", false)]
    [InlineData("StreamedNhwc", true)]
    [InlineData("NhwcOverlapping", false)]
    public void OnlyOnePassOverEveryChannelOf16MBOrMoreIsStreamed(string kernel, bool streamed)
    {
        Kernels.Value.AssertStreamed(kernel, streamed);
    }

    [Theory]
    [InlineData("Streamed", 0, false)]
    [InlineData("Streamed", 5, false)]
    [InlineData("Streamed", 10, false)]
    [InlineData("Streamed", 15, false)]
    [InlineData("Streamed", 7, true)]
    [InlineData("StreamedDoubles", 0, false)]
    [InlineData("StreamedDoubles", 3, false)]
    [InlineData("StreamedDoubles", 6, true)]
    [InlineData("StreamedNhwc", 0, false)]
    [InlineData("StreamedNhwc", 9, false)]
    [InlineData("StreamedNhwc", 14, true)]
    public void MatchesTheReference(string kernel, int start, bool inPlace)
    {
        var k = Cases.Single(c => c.Name == kernel);
        bool isFloat = k.Type == "float";
        var random = new Random((k.Name.Length * 100) + start);
        var layout = new BatchNormLayout(k.Rows, k.Channels, k.Inner);
        // Float kernels: the reference from the float values they see.
        double[] Exact(IEnumerable<double> values) => Arrays.ToDouble(Arrays.Of(k.Type, values.ToArray()));
        double[] x = Exact(Enumerable.Range(0, k.Rows * k.Channels * k.Inner).Select(_ => 2 + Gaussian(random)));
        double[] weight = Exact(Enumerable.Range(0, k.Channels).Select(_ => 1 + (0.1 * Gaussian(random))));
        double[] bias = Exact(Enumerable.Range(0, k.Channels).Select(_ => 0.1 * Gaussian(random)));
        double[] runningMean = Exact(Enumerable.Range(0, k.Channels).Select(_ => Gaussian(random)));
        double[] runningVar = Exact(Enumerable.Range(0, k.Channels).Select(_ => 0.5 + random.NextDouble()));
        Array Cast(double[] values) => isFloat ? Padded((float[])Arrays.Of("float", values), start) : Padded(values, start);
        Array input = Cast(x), rm = Cast(runningMean), rv = Cast(runningVar);
        Array output = inPlace ? input : Cast(new double[x.Length]);

        double[] expected = BatchNormReference.Training(x, layout, 1e-5, 0.1, weight, bias, runningMean, runningVar).Output;
        Kernels.Value.RunFrom(k.Name, start, input, Cast(weight), Cast(bias), rm, rv, output);

        double[] got = Arrays.ToDouble(output);
        for (int i = 0; i < start; i++)
        {
            Assert.Equal(Untouched, got[i]);
        }

        Assert.InRange(Reference.MaxAbsDifference(expected, got[start..]), 0, isFloat ? 2e-5 : 1e-11);
        double relative = isFloat ? 2e-6 : 1e-13;
        double[] newMean = Arrays.ToDouble(rm)[start..], newVar = Arrays.ToDouble(rv)[start..];
        for (int c = 0; c < k.Channels; c++)
        {
            Assert.InRange(Math.Abs(newMean[c] - runningMean[c]), 0, (relative * Math.Abs(runningMean[c])) + 1e-12);
            Assert.InRange(Math.Abs(newVar[c] - runningVar[c]), 0, relative * runningVar[c]);
        }
    }
}

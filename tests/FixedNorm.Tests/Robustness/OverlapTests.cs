using FixedNorm.Tests.Kernels;

namespace FixedNorm.Tests.Robustness;

/// <summary>
/// Every pair of spans of which one is written, made to overlap partially, throws ArgumentException naming one of
/// the two before anything is written; and every span with a wrong length throws naming it.
/// </summary>
public sealed class OverlapTests
{
    private static readonly string[] LayerNormSpans = ["input", "weight", "bias", "output", "mean", "rstd"];
    private static readonly HashSet<string> Written = ["output", "mean", "rstd", "runningMean", "runningVar"];

    public static TheoryData<string, string> LayerNormPairs()
    {
        var data = new TheoryData<string, string>();
        foreach (string a in LayerNormSpans)
        {
            foreach (string b in LayerNormSpans)
            {
                if (string.CompareOrdinal(a, b) < 0 && (Written.Contains(a) || Written.Contains(b)))
                {
                    data.Add(a, b);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(LayerNormPairs))]
    public void LayerNormPartialOverlapsThrowBeforeWriting(string first, string second)
    {
        // Norm4d: input/output 120, weight/bias 60, mean/rstd 2. Every span gets its own region of one buffer,
        // except the second of the pair, which starts one element into the first.
        var lengths = new Dictionary<string, int> { ["input"] = 120, ["output"] = 120, ["weight"] = 60, ["bias"] = 60, ["mean"] = 2, ["rstd"] = 2 };
        var buffer = new double[2000];
        Array.Fill(buffer, 7.0);
        var starts = new Dictionary<string, int>();
        int next = 0;
        foreach (string name in LayerNormSpans)
        {
            starts[name] = next;
            next += 200;
        }

        starts[second] = starts[first] + 1;
        Span<double> Span(string name) => buffer.AsSpan(starts[name], lengths[name]);
        double[] before = (double[])buffer.Clone();

        ArgumentException exception = Assert.Throws<ArgumentException>(() =>
            TestKernels.Norm4d(Span("input"), Span("weight"), Span("bias"), Span("output"), Span("mean"), Span("rstd")));

        Assert.Contains(exception.ParamName, new[] { first, second });
        Assert.Contains("overlaps", exception.Message, StringComparison.Ordinal);
        Assert.Equal(before, buffer);
    }

    [Theory]
    [InlineData("input")]
    [InlineData("output")]
    [InlineData("runningMean")]
    [InlineData("runningVar")]
    [InlineData("mean")]
    [InlineData("rstd")]
    public void BatchNormWrongLengthsThrowBeforeWriting(string parameter)
    {
        const int total = 16 * 8 * 8 * 64;
        float[] Make(string name, int length) => Enumerable.Repeat(5f, name == parameter ? length - 1 : length).ToArray();
        float[] input = Make("input", total), output = Make("output", total), runningMean = Make("runningMean", 64);
        float[] runningVar = Make("runningVar", 64), mean = Make("mean", 64), rstd = Make("rstd", 64);

        ArgumentException exception = Assert.Throws<ArgumentException>(() =>
            BatchNormKernels.TrainChannelsLast(input, output, runningMean, runningVar, mean, rstd));

        Assert.Equal(parameter, exception.ParamName);
        foreach (float[] written in new[] { output, runningMean, runningVar, mean, rstd })
        {
            Assert.All(written, v => Assert.Equal(5f, v));
        }
    }
}

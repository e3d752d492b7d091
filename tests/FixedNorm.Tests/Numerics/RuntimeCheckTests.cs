using FixedNorm.Tests.Kernels;

namespace FixedNorm.Tests.Numerics;

/// <summary>Wrong lengths and overlapping spans throw ArgumentException naming the parameter, before anything is written.</summary>
public sealed class RuntimeCheckTests
{
    [Theory]
    [InlineData("input", 119)]
    [InlineData("weight", 59)]
    [InlineData("bias", 61)]
    [InlineData("output", 121)]
    [InlineData("mean", 1)]
    [InlineData("rstd", 3)]
    public void AWrongLengthThrowsNamingTheParameterAndLength(string parameter, int length)
    {
        double[] Make(string name, int expected) => new double[name == parameter ? length : expected];
        double[] input = Make("input", 120), weight = Make("weight", 60), bias = Make("bias", 60);
        double[] output = Make("output", 120), mean = Make("mean", 2), rstd = Make("rstd", 2);
        Array.Fill(output, 42.0);
        Array.Fill(mean, 42.0);
        Array.Fill(rstd, 42.0);

        ArgumentException exception = Assert.Throws<ArgumentException>(() => TestKernels.Norm4d(input, weight, bias, output, mean, rstd));

        Assert.Equal(parameter, exception.ParamName);
        int expected = parameter switch { "input" or "output" => 120, "weight" or "bias" => 60, _ => 2 };
        Assert.Contains($"length {expected}", exception.Message, StringComparison.Ordinal);
        Assert.All(output, v => Assert.Equal(42.0, v));
        Assert.All(mean, v => Assert.Equal(42.0, v));
        Assert.All(rstd, v => Assert.Equal(42.0, v));
    }

    [Fact]
    public void OutputMayBeExactlyTheInput()
    {
        var data = Enumerable.Range(0, 120).Select(i => Math.Sin(i)).ToArray();
        var weight = Enumerable.Range(0, 60).Select(i => 1 + (0.01 * i)).ToArray();
        var bias = Enumerable.Range(0, 60).Select(i => 0.1 * Math.Cos(i)).ToArray();
        var expected = new double[120];
        TestKernels.Norm4d(data, weight, bias, expected, new double[2], new double[2]);

        TestKernels.Norm4d(data, weight, bias, data, new double[2], new double[2]);
        Assert.Equal(expected, data);
    }

    [Fact]
    public void LongGroupsInPlaceGiveTheSameNumbers()
    {
        float[] data = Enumerable.Range(0, 7500).Select(i => (float)Math.Sin(i * 0.37)).ToArray();
        var expected = new float[7500];
        TestKernels.Long(data, expected, new float[3], new float[3]);
        TestKernels.Long(data, data, new float[3], new float[3]);
        Assert.Equal(expected, data);
    }

    [Fact]
    public void APartialOverlapOfOutputAndInputThrowsBeforeWriting()
    {
        var buffer = new double[240];
        Array.Fill(buffer, 7.0);
        var exception = Assert.Throws<ArgumentException>(() => TestKernels.Norm4d(
            buffer.AsSpan(0, 120), new double[60], new double[60], buffer.AsSpan(1, 120), new double[2], new double[2]));
        Assert.Equal("output", exception.ParamName);
        Assert.All(buffer, v => Assert.Equal(7.0, v));
    }

    [Theory]
    [InlineData("output-weight")]
    [InlineData("mean-input")]
    [InlineData("rstd-mean")]
    [InlineData("rstd-output")]
    public void AnyOtherOverlapThrowsNamingTheWrittenSpan(string pair)
    {
        var buffer = new double[1000];
        Array.Fill(buffer, 7.0);
        Span<double> input = buffer.AsSpan(0, 120), weight = new double[60], bias = new double[60];
        Span<double> output = buffer.AsSpan(200, 120), mean = buffer.AsSpan(400, 2), rstd = buffer.AsSpan(500, 2);
        switch (pair)
        {
            case "output-weight": weight = buffer.AsSpan(250, 60); break;
            case "mean-input": mean = buffer.AsSpan(10, 2); break;
            case "rstd-mean": rstd = buffer.AsSpan(401, 2); break;
            case "rstd-output": rstd = buffer.AsSpan(300, 2); break;
        }

        double[] before = (double[])buffer.Clone();
        string? thrownFor = null;
        try
        {
            TestKernels.Norm4d(input, weight, bias, output, mean, rstd);
        }
        catch (ArgumentException exception)
        {
            thrownFor = exception.ParamName;
        }

        Assert.Equal(pair.Split('-')[0], thrownFor);
        Assert.Equal(before, buffer);
    }
}

/// <summary>The same rules for BatchNorm kernels.</summary>
public sealed class BatchNormRuntimeCheckTests
{
    [Theory]
    [InlineData("input")]
    [InlineData("output")]
    [InlineData("runningMean")]
    [InlineData("runningVar")]
    public void AWrongLengthThrowsBeforeAnythingIsWritten(string parameter)
    {
        float[] Make(string name, int expected) => new float[name == parameter ? expected + 1 : expected];
        float[] input = Make("input", 24), output = Make("output", 24), runningMean = Make("runningMean", 3), runningVar = Make("runningVar", 3);
        Array.Fill(output, 42f);
        Array.Fill(runningMean, 42f);
        Array.Fill(runningVar, 42f);

        ArgumentException exception = Assert.Throws<ArgumentException>(() => BatchNormKernels.Notebook(input, output, runningMean, runningVar));

        Assert.Equal(parameter, exception.ParamName);
        Assert.All(output, v => Assert.Equal(42f, v));
        Assert.All(runningMean, v => Assert.Equal(42f, v));
        Assert.All(runningVar, v => Assert.Equal(42f, v));
    }

    [Fact]
    public void RunningStatisticsMayNotOverlap()
    {
        var statistics = new float[5];
        var exception = Assert.Throws<ArgumentException>(() =>
            BatchNormKernels.Notebook(new float[24], new float[24], statistics.AsSpan(0, 3), statistics.AsSpan(2, 3)));
        Assert.Equal("runningVar", exception.ParamName);
    }

    [Fact]
    public void InPlaceGivesTheSameNumbers()
    {
        float[] data = Enumerable.Range(0, 16 * 8 * 8 * 64).Select(i => (float)Math.Sin(i * 0.1)).ToArray();
        var expected = new float[data.Length];
        float[] mean1 = new float[64], var1 = Enumerable.Repeat(1f, 64).ToArray();
        float[] mean2 = new float[64], var2 = Enumerable.Repeat(1f, 64).ToArray();
        BatchNormKernels.TrainChannelsLast(data, expected, mean1, var1, new float[64], new float[64]);
        BatchNormKernels.TrainChannelsLast(data, data, mean2, var2, new float[64], new float[64]);
        Assert.Equal(expected, data);
        Assert.Equal(mean1, mean2);
        Assert.Equal(var1, var2);
    }
}

/// <summary>
/// The one-branch overlap test generated kernels run first (ThrowHelper.Overlaps, OverlapsUnlessSame) against
/// MemoryExtensions.Overlaps on every placement of two spans in a small buffer, and at a kernel's span boundaries.
/// </summary>
public sealed class OverlapTestTests
{
    [Fact]
    public void OverlapsAgreesWithMemoryExtensionsOnEveryPlacement()
    {
        var buffer = new double[24];
        int checkedPairs = 0;
        for (int writtenStart = 0; writtenStart < 12; writtenStart++)
        {
            for (int writtenLength = 1; writtenStart + writtenLength <= 24; writtenLength++)
            {
                for (int otherStart = 0; otherStart < 24; otherStart++)
                {
                    for (int otherLength = 1; otherStart + otherLength <= 24; otherLength++)
                    {
                        Span<double> written = buffer.AsSpan(writtenStart, writtenLength);
                        Span<double> other = buffer.AsSpan(otherStart, otherLength);
                        bool expected = ((ReadOnlySpan<double>)written).Overlaps(other);
                        bool same = writtenStart == otherStart && writtenLength == otherLength;
                        ReadOnlySpan<double> readOnlyWritten = written, readOnlyOther = other;

                        // Each overload generated code may call: a written Span against a Span or a ReadOnlySpan, and
                        // the ReadOnlySpan pair that kernels generated before 2026-12-05 call.
                        Assert.Equal(expected, ThrowHelper.Overlaps<double>(written, writtenLength, other, otherLength));
                        Assert.Equal(expected, ThrowHelper.Overlaps<double>(written, writtenLength, readOnlyOther, otherLength));
                        Assert.Equal(expected, ThrowHelper.Overlaps<double>(readOnlyWritten, writtenLength, readOnlyOther, otherLength));
                        Assert.Equal(expected && !same, ThrowHelper.OverlapsUnlessSame<double>(written, writtenLength, other, otherLength));
                        Assert.Equal(expected && !same, ThrowHelper.OverlapsUnlessSame<double>(written, writtenLength, readOnlyOther, otherLength));
                        Assert.Equal(expected && !same, ThrowHelper.OverlapsUnlessSame<double>(readOnlyWritten, writtenLength, readOnlyOther, otherLength));
                        checkedPairs++;
                    }
                }
            }
        }

        Assert.True(checkedPairs > 10_000);
    }

    /// <summary>The checks that name the pair, in each overload, throw exactly where the tests above find overlap.</summary>
    [Fact]
    public void TheChecksThrowWhereTheTestsFindOverlap()
    {
        var buffer = new float[12];
        int thrown = 0;
        for (int ws = 0; ws < 12; ws++)
        {
            for (int wl = 1; ws + wl <= 12; wl++)
            {
                for (int os = 0; os < 12; os++)
                {
                    for (int ol = 1; os + ol <= 12; ol++)
                    {
                        bool overlaps = ((ReadOnlySpan<float>)buffer.AsSpan(ws, wl)).Overlaps(buffer.AsSpan(os, ol));
                        bool same = ws == os && wl == ol;
                        Action[] checks =
                        [
                            () => ThrowHelper.CheckNoOverlap<float>(buffer.AsSpan(ws, wl), buffer.AsSpan(os, ol), "w", "o"),
                            () => ThrowHelper.CheckNoOverlap<float>(buffer.AsSpan(ws, wl), (ReadOnlySpan<float>)buffer.AsSpan(os, ol), "w", "o"),
                            () => ThrowHelper.CheckNoOverlap<float>((ReadOnlySpan<float>)buffer.AsSpan(ws, wl), (ReadOnlySpan<float>)buffer.AsSpan(os, ol), "w", "o"),
                        ];
                        Action[] sameChecks =
                        [
                            () => ThrowHelper.CheckSameOrNoOverlap<float>(buffer.AsSpan(ws, wl), buffer.AsSpan(os, ol), "w", "o"),
                            () => ThrowHelper.CheckSameOrNoOverlap<float>(buffer.AsSpan(ws, wl), (ReadOnlySpan<float>)buffer.AsSpan(os, ol), "w", "o"),
                            () => ThrowHelper.CheckSameOrNoOverlap<float>((ReadOnlySpan<float>)buffer.AsSpan(ws, wl), (ReadOnlySpan<float>)buffer.AsSpan(os, ol), "w", "o"),
                        ];
                        foreach (Action check in checks)
                        {
                            Assert.Equal(overlaps, Record.Exception(check) is ArgumentException { ParamName: "w" });
                        }

                        foreach (Action check in sameChecks)
                        {
                            Assert.Equal(overlaps && !same, Record.Exception(check) is ArgumentException { ParamName: "w" });
                        }

                        thrown += overlaps ? 1 : 0;
                    }
                }
            }
        }

        Assert.True(thrown > 1000, $"{thrown} overlapping placements");
    }

    [Fact]
    public void SeparateArraysNeverOverlapWhicheverComesFirst()
    {
        var first = new float[3];
        var second = new float[24];
        Assert.False(ThrowHelper.Overlaps<float>(first, 3, second, 24));
        Assert.False(ThrowHelper.Overlaps<float>(second, 24, first, 3));
        Assert.False(ThrowHelper.OverlapsUnlessSame<float>(first, 3, second, 24));
    }

    [Theory]
    [InlineData(3, false)] // runningVar right after runningMean
    [InlineData(2, true)] // shares runningMean's last element
    [InlineData(-3, false)] // right before it
    [InlineData(-2, true)] // shares its first element
    public void AdjacentStatisticsAreFineAndOneSharedElementThrows(int offset, bool throws)
    {
        var statistics = new float[12];
        var input = Enumerable.Range(0, 24).Select(i => (float)Math.Sin(i)).ToArray();
        var output = new float[24];

        Exception? exception = Record.Exception(() =>
            BatchNormKernels.Notebook(input, output, statistics.AsSpan(5, 3), statistics.AsSpan(5 + offset, 3)));

        if (throws)
        {
            Assert.Equal("runningVar", Assert.IsType<ArgumentException>(exception).ParamName);
            Assert.All(output, v => Assert.Equal(0f, v));
        }
        else
        {
            Assert.Null(exception);
            Assert.Contains(output, v => v != 0f);
        }
    }

    [Theory]
    [InlineData(24, false)] // output right after input
    [InlineData(23, true)] // shares input's last element
    [InlineData(0, false)] // exactly input: in place
    public void OutputNextToInputIsFineAndInPlaceIsAllowed(int offset, bool throws)
    {
        var buffer = Enumerable.Range(0, 48).Select(i => (float)Math.Cos(i)).ToArray();
        Exception? exception = Record.Exception(() => BatchNormKernels.Notebook(
            buffer.AsSpan(0, 24), buffer.AsSpan(offset, 24), new float[3], new float[] { 1, 1, 1 }));
        Assert.Equal(throws, exception is ArgumentException { ParamName: "output" });
        Assert.Equal(throws, exception is not null);
    }
}

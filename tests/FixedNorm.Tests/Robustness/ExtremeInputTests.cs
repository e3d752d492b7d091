using System.Globalization;
using System.Text.Json;
using FixedNorm.Tests.Infrastructure;

namespace FixedNorm.Tests.Robustness;

/// <summary>
/// Bad input at run time stays confined as in PyTorch (tests/fixtures/make_torch_fixtures.py, extremes.json): a NaN or
/// an infinity poisons its own LayerNorm row or BatchNorm channel and nothing else; magnitudes where PyTorch's float32
/// kernels stay finite stay finite here too; denormals and a tiny epsilon behave.
/// </summary>
public sealed class ExtremeInputTests
{
    private const string File = "extremes.json";

    private static readonly Lazy<CompiledKernels> Kernels = new(() => CompiledKernels.Compile(
        TorchFixtures.Cases(File).Select(c =>
        {
            string name = TorchFixtures.Identifier(c.GetProperty("name").GetString()!);
            string shape = string.Join(", ", c.Ints("shape"));
            return c.GetProperty("op").GetString() == "LayerNorm"
                ? new KernelDeclaration(name, $"[LayerNorm({shape})]", "float", ["input", "output"])
                : new KernelDeclaration(name, $"[BatchNorm({shape})]", "float", ["input", "runningMean", "runningVar", "output"]);
        })
        .Append(new KernelDeclaration("TinyEpsilon", "[LayerNorm(4, 40, Epsilon = 1e-40)]", "float", ["input", "output"]))));

    public static TheoryData<string> Cases() => new(TorchFixtures.Names(File));

    [Theory]
    [MemberData(nameof(Cases))]
    public void NonFiniteValuesStayConfinedAndFiniteOnesMatch(string caseName)
    {
        JsonElement c = TorchFixtures.Case(File, caseName);
        double[] input = Decode(c.GetProperty("input"));
        double[] torch = Decode(c.GetProperty("output"));
        var output = new float[input.Length];
        bool layerNorm = c.GetProperty("op").GetString() == "LayerNorm";
        float[] runningMean = new float[5], runningVar = [1, 1, 1, 1, 1];
        Array[] arguments = layerNorm
            ? [Arrays.Of("float", input), output]
            : [Arrays.Of("float", input), runningMean, runningVar, output];
        Kernels.Value.Run(TorchFixtures.Identifier(caseName), arguments);

        double[] reference = layerNorm
            ? Reference.LayerNorm(input, input.Length / c.Ints("shape")[^1], c.Ints("shape")[^1], 1e-5, null, null).Output
            : BatchNormReference.Training(input, BatchNormLayout.Of(c.Ints("shape"), 1), 1e-5, 0.1, null, null, null, null).Output;
        for (int i = 0; i < input.Length; i++)
        {
            if (double.IsNaN(torch[i]) && input.All(double.IsFinite))
            {
                // PyTorch's float32 kernel overflowed on finite data; ours squares in double where float squares overflow
                // (VectorPasses.EmitSquaresOverflowFallback), so it stays finite and right.
                Assert.True(Math.Abs(output[i] - reference[i]) <= 1e-4, $"[{i}]: {output[i]} vs float64 {reference[i]}");
            }
            else if (double.IsNaN(torch[i]))
            {
                Assert.True(double.IsNaN(output[i]), $"[{i}]: PyTorch poisons it with NaN, ours is {output[i]}");
            }
            else
            {
                Assert.True(double.IsFinite(output[i]), $"[{i}]: PyTorch gives {torch[i]}, ours {output[i]}");
                Assert.True(Math.Abs(output[i] - torch[i]) <= 1e-4 || Math.Abs(output[i] - reference[i]) <= 1e-5,
                    $"[{i}]: ours {output[i]}, PyTorch {torch[i]}, float64 {reference[i]}");
            }
        }

        if (!layerNorm)
        {
            double[] torchMean = Decode(c.GetProperty("runningMean"));
            double[] torchVar = Decode(c.GetProperty("runningVar"));
            for (int channel = 0; channel < 5; channel++)
            {
                AssertStatistic("runningMean", channel, torchMean[channel], runningMean[channel]);
                AssertStatistic("runningVar", channel, torchVar[channel], runningVar[channel]);
            }
        }
    }

    // Transposed blocks, one and several ([8, 4], [25, 3] with a group left over), and vector groups ([3, 64]).
    private static readonly int[][] HugeShapes = [[8, 4], [25, 3], [3, 64]];

    private static readonly Lazy<CompiledKernels> Huge = new(() => CompiledKernels.Compile(
        HugeShapes.Select(s => new KernelDeclaration($"Huge{s[0]}x{s[1]}", $"[LayerNorm({s[0]}, {s[1]})]", "float", ["input", "output", "mean", "rstd"]))));

    public static TheoryData<int, double> HugeCases() => new(
        from shape in Enumerable.Range(0, HugeShapes.Length) from scale in new[] { 1e19, 1e25, 1e30 } select (shape, scale));

    /// <summary>
    /// Groups whose float squares overflow, among ordinary ones in the same block: every plan gives the float64
    /// reference's numbers, whatever the batch size (the transposed plan once gave 0 for them).
    /// </summary>
    [Theory]
    [MemberData(nameof(HugeCases))]
    public void GroupsWhoseSquaresOverflowFloatStillNormalize(int shapeIndex, double scale)
    {
        (int groups, int size) = (HugeShapes[shapeIndex][0], HugeShapes[shapeIndex][1]);
        string kernel = $"Huge{groups}x{size}";
        if (size < 8)
        {
            Assert.Contains("its groups one by one in double", Huge.Value.SourceOf(kernel), StringComparison.Ordinal);
        }

        var random = new Random(shapeIndex);
        double[] x = Arrays.ToDouble(Arrays.Of("float", Enumerable.Range(0, groups * size)
            .Select(i => (random.NextDouble() - 0.3) * (i / size % 3 == 1 ? scale : 1))));
        float[] output = new float[x.Length], mean = new float[groups], rstd = new float[groups];
        Huge.Value.Run(kernel, Arrays.Of("float", x), output, mean, rstd);

        (double[] expected, double[] expectedMean, double[] expectedRstd) = Reference.LayerNorm(x, groups, size, 1e-5, null, null);
        Assert.InRange(Reference.MaxAbsDifference(expected, output.Select(v => (double)v).ToArray()), 0, 1e-5);
        for (int g = 0; g < groups; g++)
        {
            Assert.InRange(Math.Abs(mean[g] - expectedMean[g]), 0, 1e-6 * Math.Max(1, Math.Abs(expectedMean[g])));
            Assert.InRange(Math.Abs(rstd[g] - expectedRstd[g]) / expectedRstd[g], 0, 1e-6);
        }
    }

    [Fact]
    public void ATinyEpsilonStillNormalizesAndConstantRowsGiveZero()
    {
        var random = new Random(7);
        double[] x = Enumerable.Range(0, 160).Select(i => i < 40 ? 3.25 : random.NextDouble() * 4).ToArray();
        var output = new float[160];
        Kernels.Value.Run("TinyEpsilon", Arrays.Of("float", x), output);
        double[] reference = Reference.LayerNorm(Arrays.ToDouble(Arrays.Of("float", x)), 4, 40, 1e-40, null, null).Output;
        Assert.All(output.Take(40), v => Assert.Equal(0f, v));
        Assert.InRange(Reference.MaxAbsDifference(reference, output.Select(v => (double)v).ToArray()), 0, 1e-5);
    }

    /// <summary>NaN where PyTorch has NaN, the same infinity where it has one, otherwise PyTorch's value.</summary>
    private static void AssertStatistic(string name, int channel, double torch, float ours)
    {
        string what = $"{name}[{channel}]: PyTorch {torch}, ours {ours}";
        if (double.IsNaN(torch))
        {
            Assert.True(float.IsNaN(ours), what);
        }
        else if (double.IsInfinity(torch))
        {
            Assert.True(torch == ours, what);
        }
        else
        {
            Assert.True(Math.Abs(ours - torch) <= 1e-6 + (1e-6 * Math.Abs(torch)), what);
        }
    }

    private static double[] Decode(JsonElement values) => values.EnumerateArray()
        .Select(v => v.ValueKind == JsonValueKind.String
            ? double.Parse(v.GetString()!, CultureInfo.InvariantCulture)
            : v.GetDouble())
        .ToArray();
}

using System.Globalization;
using System.Text.Json;
using FixedNorm.Tests.Infrastructure;

namespace FixedNorm.Tests.Numerics;

/// <summary>
/// PyTorch's own numbers (tests/fixtures/make_torch_fixtures.py): output, mean and rstd of
/// torch.native_layer_norm over a spread of shapes, axes, epsilons, affine or not.
/// </summary>
public sealed class TorchLayerNormTests
{
    private const string File = "layernorm.json";

    private static readonly Lazy<CompiledKernels> Kernels = new(() => CompiledKernels.Compile(
        TorchFixtures.Cases(File).Select(c =>
        {
            string attribute = string.Create(CultureInfo.InvariantCulture,
                $"[LayerNorm({string.Join(", ", c.Ints("shape"))}, Axis = {c.GetProperty("axis").GetInt32()}, Epsilon = {c.GetProperty("eps").GetDouble():R})]");
            string[] parameters = c.GetProperty("affine").GetBoolean()
                ? ["input", "weight", "bias", "output", "mean", "rstd"]
                : ["input", "output", "mean", "rstd"];
            return new KernelDeclaration(TorchFixtures.Identifier(c.GetProperty("name").GetString()!), attribute, c.ElementType(), parameters);
        })));

    public static TheoryData<string> Cases() => new(TorchFixtures.Names(File));

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name)
    {
        JsonElement c = TorchFixtures.Case(File, name);
        (double[] output, double[] mean, double[] rstd) = Run(c);
        double[] input = c.Doubles("input")!;
        int[] shape = c.Ints("shape");
        (int groups, int groupSize) = Reference.Split(shape, c.GetProperty("axis").GetInt32());
        double[]? weight = c.Doubles("weight");
        double[]? bias = c.Doubles("bias");
        double? torchError = c.GetProperty("torchFloat32MaxError").ValueKind == JsonValueKind.Number
            ? c.GetProperty("torchFloat32MaxError").GetDouble()
            : null;
        bool offset = input.Average() > 100;

        // Float kernels against PyTorch's float32 numbers; double kernels against its float64 ones, to near a double's precision.
        bool isDouble = c.ElementType() == "double";
        double precision = isDouble ? 1e-12 : 1e-5;
        bool constantGroups = Enumerable.Range(0, groups).All(g => input.Skip(g * groupSize).Take(groupSize).Distinct().Count() == 1);

        if (constantGroups)
        {
            // A constant group normalizes to exactly bias (PyTorch's fused form misses by up to 1e-2 at 1234.5).
            double[]? biasAsKernelSeesIt = bias is null ? null : Arrays.ToDouble(Arrays.Of(c.ElementType(), bias));
            for (int i = 0; i < output.Length; i++)
            {
                Assert.Equal(biasAsKernelSeesIt?[i % groupSize] ?? 0, output[i]);
            }
        }
        else if (offset && torchError is not null)
        {
            // On 1000 + randn, no worse than PyTorch's own float32 error against the float64 reference.
            double[] reference = Reference.LayerNorm(input, groups, groupSize, c.GetProperty("eps").GetDouble(), weight, bias).Output;
            double ours = Reference.MaxAbsDifference(reference, output);
            Assert.True(ours <= torchError, $"error {ours:G3} against float64, PyTorch's own float32 error {torchError:G3}");
        }
        else
        {
            Assert.InRange(Reference.MaxAbsDifference(c.Doubles("output")!, output), 0, precision);
        }

        // PyTorch's float32 mean of 1000 + randn is itself off by up to 1e-3; the mean of an offset group is relative.
        double meanTolerance = isDouble ? precision * (offset ? 1000 : 1) : offset ? 1e-3 : 1e-5;
        Assert.InRange(Reference.MaxAbsDifference(c.Doubles("mean")!, mean), 0, meanTolerance);
        double[] torchRstd = c.Doubles("rstd")!;
        for (int g = 0; g < groups; g++)
        {
            Assert.InRange(Math.Abs(rstd[g] - torchRstd[g]) / torchRstd[g], 0, precision);
        }
    }

    /// <summary>The cases named "_aligned" are there for the aligned plan: they must still reach it.</summary>
    [Fact]
    public void TheAlignedCasesTakeTheAlignedPlan()
    {
        string[] aligned = TorchFixtures.Names(File).Where(n => n.EndsWith("_aligned", StringComparison.Ordinal)).ToArray();
        Assert.Equal(3, aligned.Length);
        foreach (string name in aligned)
        {
            string source = Assert.Single(Kernels.Value.GeneratedSources, s => s.Contains($" {TorchFixtures.Identifier(name)}(", StringComparison.Ordinal));
            Assert.Contains("ElementsToAlignment(ref inputRef", source, StringComparison.Ordinal);
        }
    }

    private static (double[] Output, double[] Mean, double[] Rstd) Run(JsonElement c)
    {
        string t = c.ElementType();
        double[] input = c.Doubles("input")!;
        (int groups, _) = Reference.Split(c.Ints("shape"), c.GetProperty("axis").GetInt32());
        Array output = Arrays.Zeros(t, input.Length), mean = Arrays.Zeros(t, groups), rstd = Arrays.Zeros(t, groups);
        var arguments = new List<Array> { Arrays.Of(t, input) };
        if (c.GetProperty("affine").GetBoolean())
        {
            arguments.Add(Arrays.Of(t, c.Doubles("weight")!));
            arguments.Add(Arrays.Of(t, c.Doubles("bias")!));
        }

        arguments.AddRange([output, mean, rstd]);
        Kernels.Value.Run(TorchFixtures.Identifier(c.GetProperty("name").GetString()!), [.. arguments]);
        return (Arrays.ToDouble(output), Arrays.ToDouble(mean), Arrays.ToDouble(rstd));
    }
}

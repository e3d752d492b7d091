using System.Globalization;
using FixedNorm.Tests.Infrastructure;

namespace FixedNorm.Tests.Numerics;

/// <summary>Every LayerNormalization case ONNX publishes, run through kernels generated for its shape.</summary>
public sealed class OnnxLayerNormTests
{
    private static readonly Lazy<CompiledKernels> Kernels = new(() => CompiledKernels.Compile(
        OnnxCase.Names("LayerNormalization").Select(name =>
        {
            OnnxCase c = OnnxCase.Load(name);
            string attribute = string.Create(CultureInfo.InvariantCulture,
                $"[LayerNorm({string.Join(", ", c.InputShape(0))}, Axis = {(int)c.Attribute("axis", -1)}, Epsilon = {c.Attribute("epsilon", 1e-5):R})]");
            return new KernelDeclaration(Identifier(name), attribute, "float", ["input", "weight", "bias", "output", "mean", "rstd"]);
        })));

    public static TheoryData<string> Cases() => new(OnnxCase.Names("LayerNormalization"));

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesOnnx(string name)
    {
        OnnxCase c = OnnxCase.Load(name);
        double[] x = c.Input(0);
        double[] expectedMean = c.Output("Mean");
        var output = new float[x.Length];
        var mean = new float[expectedMean.Length];
        var rstd = new float[expectedMean.Length];

        Kernels.Value.Run(Identifier(name),
            Arrays.Of("float", x), Arrays.Of("float", c.Input(1)), Arrays.Of("float", c.Input(2)), output, mean, rstd);

        Assert.InRange(Reference.MaxAbsDifference(c.Output("Y"), Arrays.ToDouble(output)), 0, 1e-5);
        Assert.InRange(Reference.MaxAbsDifference(expectedMean, Arrays.ToDouble(mean)), 0, 1e-5);
        Assert.InRange(Reference.MaxAbsDifference(c.Output("InvStdDev"), Arrays.ToDouble(rstd)), 0, 1e-5);
    }

    private static string Identifier(string name) => name.Replace('-', '_');
}

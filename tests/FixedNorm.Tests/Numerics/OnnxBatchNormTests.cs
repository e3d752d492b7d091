using System.Globalization;
using FixedNorm.Tests.Infrastructure;

namespace FixedNorm.Tests.Numerics;

/// <summary>
/// Every BatchNormalization case ONNX publishes: inference and pytorch-converted eval cases, and
/// training cases with the population-variance option and ONNX's momentum converted (ONNX 0.9 = 0.1 here).
/// </summary>
public sealed class OnnxBatchNormTests
{
    private static readonly Lazy<CompiledKernels> Kernels = new(() => CompiledKernels.Compile(
        OnnxCase.Names("BatchNormalization").Select(name =>
        {
            OnnxCase c = OnnxCase.Load(name);
            bool training = c.Attribute("training_mode", 0) == 1;
            string shape = string.Join(", ", c.InputShape(0));
            double epsilon = c.Attribute("epsilon", 1e-5);
            double momentum = 1 - c.Attribute("momentum", 0.9);
            string attribute = training
                ? string.Create(CultureInfo.InvariantCulture,
                    $"[BatchNorm({shape}, Epsilon = {epsilon:R}, Momentum = {momentum:R}, RunningVariance = BatchNormRunningVariance.Population)]")
                : string.Create(CultureInfo.InvariantCulture, $"[BatchNorm({shape}, Epsilon = {epsilon:R}, Mode = BatchNormMode.Inference)]");
            return new KernelDeclaration(name, attribute, "float", ["input", "weight", "bias", "runningMean", "runningVar", "output"],
                training ? null : ["runningMean", "runningVar"]);
        })));

    public static TheoryData<string> Cases() => new(OnnxCase.Names("BatchNormalization"));

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesOnnx(string name)
    {
        OnnxCase c = OnnxCase.Load(name);
        bool training = c.Attribute("training_mode", 0) == 1;
        double[] x = c.Input(0);
        float[] runningMean = (float[])Arrays.Of("float", c.Input(3));
        float[] runningVar = (float[])Arrays.Of("float", c.Input(4));
        var output = new float[x.Length];

        Kernels.Value.Run(name, Arrays.Of("float", x), Arrays.Of("float", c.Input(1)), Arrays.Of("float", c.Input(2)),
            runningMean, runningVar, output);

        string y = c.Op == "BatchNormalization" && c.HasOutput("Y") ? "Y" : "y";
        Assert.InRange(Reference.MaxAbsDifference(c.Output(y), Arrays.ToDouble(output)), 0, 1e-5);
        if (training)
        {
            Assert.InRange(Reference.MaxAbsDifference(c.Output("output_mean"), Arrays.ToDouble(runningMean)), 0, 1e-5);
            Assert.InRange(Reference.MaxAbsDifference(c.Output("output_var"), Arrays.ToDouble(runningVar)), 0, 1e-5);
        }
    }
}

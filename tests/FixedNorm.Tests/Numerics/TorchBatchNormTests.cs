using System.Globalization;
using System.Text.Json;
using FixedNorm.Tests.Infrastructure;

namespace FixedNorm.Tests.Numerics;

/// <summary>
/// PyTorch BatchNorm modules trained for several steps (tests/fixtures/make_torch_fixtures.py): after each
/// step the output, batch statistics and both running statistics; then eval mode with the running statistics.
/// </summary>
public sealed class TorchBatchNormTests
{
    private const string File = "batchnorm.json";

    private static readonly Lazy<CompiledKernels> Kernels = new(() => CompiledKernels.Compile(
        TorchFixtures.Cases(File).SelectMany(c =>
        {
            string name = TorchFixtures.Identifier(c.GetProperty("name").GetString()!);
            string common = string.Create(CultureInfo.InvariantCulture,
                $"{string.Join(", ", c.Ints("shape"))}, ChannelAxis = {c.GetProperty("channelAxis").GetInt32()}, Epsilon = {c.GetProperty("eps").GetDouble():R}");
            string[] affine = c.GetProperty("affine").GetBoolean() ? ["weight", "bias"] : [];
            string momentum = c.GetProperty("momentum").GetDouble().ToString("R", CultureInfo.InvariantCulture);
            return new[]
            {
                new KernelDeclaration(name + "_Train", $"[BatchNorm({common}, Momentum = {momentum})]", c.ElementType(),
                    ["input", .. affine, "runningMean", "runningVar", "mean", "rstd", "output"]),
                new KernelDeclaration(name + "_Infer", $"[BatchNorm({common}, Mode = BatchNormMode.Inference)]", c.ElementType(),
                    ["input", .. affine, "runningMean", "runningVar", "output"], ["runningMean", "runningVar"]),
            };
        })));

    public static TheoryData<string> Cases() => new(TorchFixtures.Names(File));

    [Theory]
    [MemberData(nameof(Cases))]
    public void TrainsStepByStepThenInfersLikePyTorch(string caseName)
    {
        JsonElement c = TorchFixtures.Case(File, caseName);
        string name = TorchFixtures.Identifier(caseName);
        string t = c.ElementType();
        BatchNormLayout layout = BatchNormLayout.Of(c.Ints("shape"), c.GetProperty("channelAxis").GetInt32());
        bool affine = c.GetProperty("affine").GetBoolean();
        Array[] parameters = affine ? [Arrays.Of(t, c.Doubles("weight")!), Arrays.Of(t, c.Doubles("bias")!)] : [];
        Array runningMean = Arrays.Of(t, Enumerable.Repeat(0.0, layout.Channels));
        Array runningVar = Arrays.Of(t, Enumerable.Repeat(1.0, layout.Channels));
        // Float kernels against PyTorch's float32 numbers; double kernels against its float64 ones, to near a double's precision.
        double precision = t == "double" ? 1e-12 : 1e-5;
        int step = 0;
        foreach (JsonElement expected in c.GetProperty("steps").EnumerateArray())
        {
            step++;
            Array output = Arrays.Zeros(t, layout.Outer * layout.Channels * layout.Inner);
            Array mean = Arrays.Zeros(t, layout.Channels), rstd = Arrays.Zeros(t, layout.Channels);
            Kernels.Value.Run(name + "_Train", [Arrays.Of(t, expected.Doubles("input")!), .. parameters, runningMean, runningVar, mean, rstd, output]);

            double[] input = Arrays.ToDouble(Arrays.Of(t, expected.Doubles("input")!));
            if (input.Average() > 100)
            {
                // On 500 + randn: no worse than PyTorch's own float32 error against the float64 reference.
                double[] reference = BatchNormReference.Training(input, layout, c.GetProperty("eps").GetDouble(), 0.1,
                    affine ? Arrays.ToDouble(parameters[0]) : null, affine ? Arrays.ToDouble(parameters[1]) : null, null, null).Output;
                double ours = Reference.MaxAbsDifference(reference, Arrays.ToDouble(output));
                double torch = Reference.MaxAbsDifference(reference, expected.Doubles("output")!);
                Assert.True(ours <= Math.Max(torch, 1e-6), $"step {step}: error {ours:G3} against float64, PyTorch's own {torch:G3}");
            }
            else
            {
                AssertClose(expected.Doubles("output")!, Arrays.ToDouble(output), precision, $"step {step} output");
            }

            AssertClose(expected.Doubles("mean")!, Arrays.ToDouble(mean), precision, $"step {step} mean", relative: true);
            AssertClose(expected.Doubles("rstd")!, Arrays.ToDouble(rstd), precision, $"step {step} rstd", relative: true);
            AssertClose(expected.Doubles("runningMean")!, Arrays.ToDouble(runningMean), precision, $"step {step} runningMean", relative: true);
            AssertClose(expected.Doubles("runningVar")!, Arrays.ToDouble(runningVar), precision, $"step {step} runningVar", relative: true);
        }

        Assert.True(step >= 3, "the fixture trains for several steps");
        JsonElement eval = c.GetProperty("eval");
        Array evalOutput = Arrays.Zeros(t, layout.Outer * layout.Channels * layout.Inner);
        Kernels.Value.Run(name + "_Infer", [Arrays.Of(t, eval.Doubles("input")!), .. parameters, runningMean, runningVar, evalOutput]);
        // Eval outputs of the offset case reach 350, where a float32 ulp is 3e-5: compare relative to max(1, |y|).
        AssertClose(eval.Doubles("output")!, Arrays.ToDouble(evalOutput), precision, "eval output", relative: true);
    }

    /// <summary>
    /// Running statistics near zero cannot be within 1e-5 relative of PyTorch's float32 numbers, whose own error against
    /// float64 is larger there; so, step by step, each update must be within 2 ulps of its exact float64 value (from the
    /// running values stored before the step) or no further from it than PyTorch's own update.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void RunningStatisticsAreAsAccurateAsPyTorchs(string caseName)
    {
        JsonElement c = TorchFixtures.Case(File, caseName);
        string t = c.ElementType();
        BatchNormLayout layout = BatchNormLayout.Of(c.Ints("shape"), c.GetProperty("channelAxis").GetInt32());
        bool affine = c.GetProperty("affine").GetBoolean();
        Array[] parameters = affine ? [Arrays.Of(t, c.Doubles("weight")!), Arrays.Of(t, c.Doubles("bias")!)] : [];
        Array runningMean = Arrays.Of(t, Enumerable.Repeat(0.0, layout.Channels));
        Array runningVar = Arrays.Of(t, Enumerable.Repeat(1.0, layout.Channels));
        double[] torchMean = new double[layout.Channels];
        double[] torchVar = Enumerable.Repeat(1.0, layout.Channels).ToArray();
        double momentum = c.GetProperty("momentum").GetDouble();
        foreach (JsonElement step in c.GetProperty("steps").EnumerateArray())
        {
            double[] input = Arrays.ToDouble(Arrays.Of(t, step.Doubles("input")!));

            // Each side's update, exact in float64 from the running values that side stored before the step.
            double[] ourMean = Arrays.ToDouble(runningMean), ourVar = Arrays.ToDouble(runningVar);
            BatchNormReference.Training(input, layout, 1e-5, momentum, null, null, ourMean, ourVar);
            BatchNormReference.Training(input, layout, 1e-5, momentum, null, null, torchMean, torchVar);

            Array output = Arrays.Zeros(t, input.Length), mean = Arrays.Zeros(t, layout.Channels), rstd = Arrays.Zeros(t, layout.Channels);
            Kernels.Value.Run(TorchFixtures.Identifier(caseName) + "_Train", [Arrays.Of(t, input), .. parameters, runningMean, runningVar, mean, rstd, output]);

            AssertAsAccurate(ourMean, Arrays.ToDouble(runningMean), torchMean, step.Doubles("runningMean")!, t);
            AssertAsAccurate(ourVar, Arrays.ToDouble(runningVar), torchVar, step.Doubles("runningVar")!, t);
            torchMean = step.Doubles("runningMean")!;
            torchVar = step.Doubles("runningVar")!;
        }
    }

    private static void AssertAsAccurate(double[] ourExact, double[] ours, double[] torchExact, double[] torch, string type)
    {
        for (int i = 0; i < ours.Length; i++)
        {
            // float: 2 ulps of the stored value; double: 1e-15 of unit scale, since the float64 reference rounds too.
            double ulps = type == "float"
                ? 2 * (MathF.BitIncrement((float)Math.Abs(ourExact[i])) - (float)Math.Abs(ourExact[i]))
                : 1e-15 * Math.Max(1, Math.Abs(ourExact[i]));
            double allowed = Math.Max(ulps, 1.5 * Math.Abs(torch[i] - torchExact[i]));
            Assert.True(Math.Abs(ours[i] - ourExact[i]) <= allowed,
                $"[{i}]: ours {ours[i]:R} (exact {ourExact[i]:R}), PyTorch {torch[i]:R} (exact {torchExact[i]:R})");
        }
    }

    /// <summary>Absolute, or relative to max(1, |expected|) when <paramref name="relative"/>.</summary>
    private static void AssertClose(double[] expected, double[] actual, double tolerance, string what, bool relative = false)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(expected[i] - actual[i]) / (relative ? Math.Max(1, Math.Abs(expected[i])) : 1);
            Assert.True(error <= tolerance, $"{what}[{i}]: {actual[i]} vs PyTorch {expected[i]} (error {error:G3})");
        }
    }
}

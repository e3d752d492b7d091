using System.Globalization;
using System.Text;
using FixedNorm.Tests.Generator;
using FixedNorm.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace FixedNorm.Tests.Robustness;

/// <summary>
/// Thousands of generated and mutated declarations (fixed seeds): random attribute arguments, random signatures,
/// half-typed code. The generator must never throw, every file it generates must compile, and every declaration
/// it accepts must yield a kernel that matches the float64 reference. No file it generates may outgrow the bound of
/// <see cref="BoundedOutputTests"/> (what once kept a wall-clock limit here, which failed on a busy machine).
/// </summary>
public sealed class FuzzTests
{
    private const int Batches = 24;
    private const int PerBatch = 100;

    private static readonly string[] Names = ["input", "output", "weight", "bias", "mean", "rstd", "runningMean", "runningVar"];

    [Fact]
    public void TheGeneratorNeverFailsAndWhatItAcceptsIsCorrect()
    {
        var random = new Random(20261124);
        var accepted = new List<FuzzKernel>();
        int declarations = 0, generated = 0;
        for (int batch = 0; batch < Batches; batch++)
        {
            FuzzKernel[] kernels = Enumerable.Range(0, PerBatch).Select(i => FuzzKernel.Create(random, $"M{batch}_{i}")).ToArray();
            var source = new StringBuilder("using System;\nusing FixedNorm;\nnamespace Fuzz;\npublic unsafe partial class Kernels\n{\n");
            foreach (FuzzKernel kernel in kernels)
            {
                source.Append("    ").AppendLine(kernel.Text);
            }

            source.AppendLine("}");
            declarations += kernels.Length;

            GeneratorOutput output = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(source.ToString()).WithUnsafeCode()); // throws if the generator threw
            Assert.DoesNotContain(output.CompilationDiagnostics, d => d.Id is "CS8784" or "CS8785");
            Diagnostic[] inGenerated = output.OutputCompilation.GetDiagnostics(TestContext.Current.CancellationToken)
                .Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true)
                .ToArray();
            Assert.True(inGenerated.Length == 0, "errors in generated code:\n" + GeneratorHarness.Format(inGenerated) + "\n" + source);

            generated += output.Sources.Length;
            foreach ((string hintName, string text) in output.Sources)
            {
                Assert.True(text.Length <= BoundedOutputTests.MaxCharacters, $"{hintName}: {text.Length} characters\n{text[..Math.Min(text.Length, 2000)]}");
            }

            for (int i = 0; i < kernels.Length; i++)
            {
                FuzzKernel kernel = kernels[i];
                if (kernel.Model is null)
                {
                    continue;
                }

                // A half-typed declaration just before can swallow this one, so only then may a valid one go missing.
                bool afterMutation = i > 0 && kernels[i - 1].Mutated;
                bool isKernel = output.Sources.Any(s => s.HintName.EndsWith("." + kernel.Name + ".g.cs", StringComparison.Ordinal) && s.Source.Contains("CheckLength", StringComparison.Ordinal));
                Assert.True(isKernel || !kernel.Valid || afterMutation, $"a valid declaration was not generated: {kernel.Text}\n{GeneratorHarness.Format(output.GeneratorDiagnostics)}");
                if (isKernel && kernel.Model!.Elements <= 20_000)
                {
                    accepted.Add(kernel);
                }
            }
        }

        Assert.True(accepted.Count >= 200, $"only {accepted.Count} runnable kernels accepted out of {declarations}");
        CompiledKernels compiled = CompiledKernels.Compile(accepted.Select(k => k.Model!.Declaration));
        foreach (FuzzKernel kernel in accepted)
        {
            kernel.Model!.Check(compiled, new Random(kernel.Name.GetHashCode(StringComparison.Ordinal)));
        }

        Assert.True(generated > declarations / 3, $"{generated} files from {declarations} declarations");
    }

    /// <summary>One random declaration; <see cref="Model"/> is set when it was built from valid parts (before any mutation).</summary>
    private sealed record FuzzKernel(string Name, string Text, KernelModel? Model, bool Valid, bool Mutated = false)
    {
        public static FuzzKernel Create(Random random, string name)
        {
            bool aimValid = random.Next(2) == 0;
            bool layerNorm = random.Next(2) == 0;
            string type = random.Next(2) == 0 ? "float" : "double";

            int rank = aimValid ? (layerNorm ? 1 : 2) + random.Next(3) : random.Next(6);
            int[] shape = Enumerable.Range(0, rank).Select(_ => aimValid ? 1 + random.Next(12) : Dimension(random)).ToArray();
            var named = new List<string>();
            int axis = layerNorm ? -1 : 1;
            double epsilon = 1e-5, momentum = 0.1;
            int mode = 0, variance = 0;
            (string Text, double Value)[] epsilons = [("1e-5", 1e-5), ("1e-5f", (double)1e-5f), ("0.1", 0.1), ("1e-3", 1e-3), ("1", 1.0)];
            if (random.Next(2) == 0)
            {
                axis = aimValid ? random.Next(-rank, Math.Max(rank, 1)) : random.Next(-8, 8);
                named.Add($"{(layerNorm ? "Axis" : "ChannelAxis")} = {axis}");
            }

            if (random.Next(2) == 0)
            {
                if (aimValid)
                {
                    (string literal, epsilon) = epsilons[random.Next(epsilons.Length)];
                    named.Add("Epsilon = " + literal);
                }
                else
                {
                    named.Add("Epsilon = " + new[] { "double.NaN", "double.PositiveInfinity", "-1", "0", "1e-300", "double.Epsilon", "1e300" }[random.Next(7)]);
                }
            }

            if (!layerNorm)
            {
                if (random.Next(2) == 0)
                {
                    momentum = aimValid ? new[] { 0.0, 0.1, 0.5, 1.0 }[random.Next(4)] : new[] { double.NaN, -0.5, 1.5 }[random.Next(3)];
                    named.Add("Momentum = " + (double.IsNaN(momentum) ? "double.NaN" : momentum.ToString("R", CultureInfo.InvariantCulture)));
                }

                if (random.Next(2) == 0)
                {
                    mode = aimValid ? random.Next(2) : random.Next(-1, 4);
                    named.Add($"Mode = (BatchNormMode){mode}");
                }

                if (random.Next(3) == 0)
                {
                    variance = aimValid ? random.Next(2) : random.Next(-1, 4);
                    named.Add($"RunningVariance = (BatchNormRunningVariance){variance}");
                }
            }

            string attributeName = layerNorm ? "LayerNorm" : "BatchNorm";
            string attribute = $"[{attributeName}({string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)).Concat(named))})]";

            bool training = mode == 0;
            List<string> parameters = aimValid ? ValidParameters(random, layerNorm, training) : RandomParameters(random);
            string signature = string.Join(", ", parameters.Select(p => $"{ParameterType(random, p, type, aimValid, layerNorm, training)} {p}"));
            string modifiers = aimValid ? new[] { "public static", "internal static", "public", "private" }[random.Next(4)]
                : new[] { "public static", "public", "public static async", "static", "public static", "public" }[random.Next(6)];
            string partial = aimValid || random.Next(6) > 0 ? "partial " : "";
            string returnType = aimValid || random.Next(6) > 0 ? "void" : "int";
            string generic = aimValid || random.Next(8) > 0 ? "" : "<T>";
            string extraAttribute = aimValid || random.Next(10) > 0 ? "" : (layerNorm ? "[BatchNorm(4, 4)] " : "[LayerNorm(4, 4)] ");
            string text = $"{attribute} {extraAttribute}{modifiers} {partial}{returnType} {name}{generic}({signature});";

            bool valid = aimValid && (layerNorm || !training || OneValuePerChannel(shape, axis) == false);
            KernelModel? model = valid ? new KernelModel(name, attribute, type, layerNorm, shape, axis, epsilon, momentum, training, variance == 0, parameters) : null;
            if (random.Next(10) == 0)
            {
                return new FuzzKernel(name, Mutate(random, text), null, false, Mutated: true);
            }

            return new FuzzKernel(name, text, model, valid);
        }

        /// <summary>Training needs more than one value per channel (FN0017).</summary>
        private static bool OneValuePerChannel(int[] shape, int channelAxis)
        {
            int positive = channelAxis < 0 ? channelAxis + shape.Length : channelAxis;
            return shape.Aggregate(1L, (a, b) => a * b) / shape[positive] == 1;
        }

        private static int Dimension(Random random) => random.Next(10) switch
        {
            0 => 0,
            1 => -random.Next(1, 5),
            2 => int.MaxValue,
            3 => 65536,
            _ => 1 + random.Next(40),
        };

        private static List<string> ValidParameters(Random random, bool layerNorm, bool training)
        {
            var names = new List<string> { "input", "output" };
            if (random.Next(2) == 0)
            {
                names.Add("weight");
            }

            if (random.Next(2) == 0)
            {
                names.Add("bias");
            }

            if (!layerNorm && (!training || random.Next(2) == 0))
            {
                names.Add("runningMean");
                names.Add("runningVar");
            }

            if (layerNorm || training)
            {
                if (random.Next(2) == 0)
                {
                    names.Add("mean");
                }

                if (random.Next(2) == 0)
                {
                    names.Add("rstd");
                }
            }

            return names.OrderBy(_ => random.Next()).ToList();
        }

        private static List<string> RandomParameters(Random random)
        {
            int count = random.Next(0, 6);
            return Enumerable.Range(0, count)
                .Select(_ => random.Next(8) == 0 ? "inptu" : Names[random.Next(Names.Length)])
                .ToList();
        }

        private static string ParameterType(Random random, string name, string type, bool valid, bool layerNorm, bool training)
        {
            bool written = name is "output" or "mean" or "rstd" || (name is "runningMean" or "runningVar" && (layerNorm || training));
            if (valid)
            {
                return written ? $"Span<{type}>" : (random.Next(4) == 0 ? $"Span<{type}>" : $"ReadOnlySpan<{type}>");
            }

            string[] kinds = [$"Span<{type}>", $"ReadOnlySpan<{type}>", $"{type}[]", $"Memory<{type}>", $"ref Span<{type}>", "Span<int>", $"{type}*", "ReadOnlySpan<float>", "Span<double>"];
            return kinds[random.Next(kinds.Length)];
        }

        /// <summary>Half-typed code: a character range deleted, or the declaration cut short.</summary>
        private static string Mutate(Random random, string text)
        {
            int start = random.Next(text.Length);
            return random.Next(2) == 0
                ? text.Remove(start, Math.Min(text.Length - start, 1 + random.Next(6)))
                : text[..start];
        }
    }

    /// <summary>A valid kernel's parameters, so its output can be checked against the float64 reference.</summary>
    private sealed record KernelModel(
        string Name, string Attribute, string Type, bool LayerNorm, int[] Shape, int Axis, double Epsilon, double Momentum,
        bool Training, bool Unbiased, List<string> Parameters)
    {
        public long Elements => Shape.Aggregate(1L, (a, b) => a * b);

        public KernelDeclaration Declaration => new(Name, Attribute, Type, Parameters,
            !LayerNorm && !Training ? ["runningMean", "runningVar"] : null);

        public void Check(CompiledKernels compiled, Random random)
        {
            int total = (int)Elements;
            double[] Rounded(int count, double scale, double offset) =>
                Arrays.ToDouble(Arrays.Of(Type, Enumerable.Range(0, count).Select(_ => offset + (scale * ((2 * random.NextDouble()) - 1)))));
            double tolerance = Type == "float" ? 5e-5 : 1e-10;
            double[] x = Rounded(total, 2, 0.5);
            if (LayerNorm)
            {
                (int groups, int groupSize) = Reference.Split(Shape, Axis);
                double[] weight = Rounded(groupSize, 0.2, 1), bias = Rounded(groupSize, 0.2, 0);
                var expected = Reference.LayerNorm(x, groups, groupSize, Epsilon,
                    Parameters.Contains("weight") ? weight : null, Parameters.Contains("bias") ? bias : null);
                var arrays = new Dictionary<string, Array>
                {
                    ["input"] = Arrays.Of(Type, x),
                    ["output"] = Arrays.Zeros(Type, total),
                    ["weight"] = Arrays.Of(Type, weight),
                    ["bias"] = Arrays.Of(Type, bias),
                    ["mean"] = Arrays.Zeros(Type, groups),
                    ["rstd"] = Arrays.Zeros(Type, groups),
                };
                compiled.Run(Name, [.. Parameters.Select(p => arrays[p])]);
                Assert.True(Reference.MaxAbsDifference(expected.Output, Arrays.ToDouble(arrays["output"])) <= tolerance, $"{Attribute} {Name}");
                AssertWritten(arrays, "mean", expected.Mean, tolerance);
                AssertWritten(arrays, "rstd", expected.Rstd, tolerance);
                return;
            }

            BatchNormLayout layout = BatchNormLayout.Of(Shape, Axis);
            double[] channelWeight = Rounded(layout.Channels, 0.2, 1), channelBias = Rounded(layout.Channels, 0.2, 0);
            double[] runningMean = Rounded(layout.Channels, 0.5, 0), runningVar = Rounded(layout.Channels, 0.5, 1);
            var batch = new Dictionary<string, Array>
            {
                ["input"] = Arrays.Of(Type, x),
                ["output"] = Arrays.Zeros(Type, total),
                ["weight"] = Arrays.Of(Type, channelWeight),
                ["bias"] = Arrays.Of(Type, channelBias),
                ["runningMean"] = Arrays.Of(Type, runningMean),
                ["runningVar"] = Arrays.Of(Type, runningVar),
                ["mean"] = Arrays.Zeros(Type, layout.Channels),
                ["rstd"] = Arrays.Zeros(Type, layout.Channels),
            };
            double[]? w = Parameters.Contains("weight") ? channelWeight : null;
            double[]? b = Parameters.Contains("bias") ? channelBias : null;
            // Training updates runningMean and runningVar in place, as the kernel does.
            (double[] expectedOutput, double[]? mean, double[]? rstd) = Training
                ? BatchNormReference.Training(x, layout, Epsilon, Momentum, w, b, runningMean, runningVar, Unbiased)
                : (BatchNormReference.Inference(x, layout, Epsilon, w, b, runningMean, runningVar), null, null);
            compiled.Run(Name, [.. Parameters.Select(p => batch[p])]);
            Assert.True(Reference.MaxAbsDifference(expectedOutput, Arrays.ToDouble(batch["output"])) <= tolerance, $"{Attribute} {Name}");
            if (Training)
            {
                AssertWritten(batch, "mean", mean!, tolerance);
                AssertWritten(batch, "rstd", rstd!, tolerance);
                AssertWritten(batch, "runningMean", runningMean, tolerance);
                AssertWritten(batch, "runningVar", runningVar, tolerance);
            }
        }

        /// <summary>A span the kernel writes (when it takes it) against the reference, relative to values above 1.</summary>
        private void AssertWritten(Dictionary<string, Array> arrays, string name, double[] expected, double tolerance)
        {
            if (!Parameters.Contains(name))
            {
                return;
            }

            double[] actual = Arrays.ToDouble(arrays[name]);
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(actual[i] - expected[i]) <= tolerance * Math.Max(1, Math.Abs(expected[i])), $"{Attribute} {Name} {name}[{i}]: {actual[i]} vs {expected[i]}");
            }
        }
    }
}

using System.Collections;
using System.Reflection;
using FixedNorm.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace FixedNorm.Tests.Generator;

/// <summary>The pipeline caches: unrelated edits regenerate nothing, and its models hold no symbols or syntax.</summary>
public sealed class CachingTests
{
    private const string Kernels = """
        using System;
        using FixedNorm;

        namespace Demo;

        public static partial class Kernels
        {
            [LayerNorm(8, 3)]
            public static partial void Small(ReadOnlySpan<float> input, Span<float> output);

            [LayerNorm(4, 768, Epsilon = 1e-6)]
            public static partial void Wide(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, Span<float> output);

            [LayerNorm(8, 3, Axis = 7)]
            public static partial void Invalid(ReadOnlySpan<float> input, Span<float> output);

            [BatchNorm(16, 4, Mode = BatchNormMode.Training)]
            public static partial void Batch(ReadOnlySpan<float> input, Span<float> output);

            public static int Unrelated() => 1;
        }
        """;

    private static readonly string[] TrackingNames = typeof(FixedNorm.Generator.KernelGenerator).Assembly
        .GetType("FixedNorm.Generator.TrackingNames")!
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (string)f.GetValue(null)!)
        .ToArray();

    [Fact]
    public void AnEditInAnotherFileRegeneratesNothing()
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(Kernels, "namespace Demo; public class Other { }");
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(
            compilation.SyntaxTrees[1],
            Parse("namespace Demo; public class Other { public int Added; }", "Other1.cs"));

        AssertNothingRegenerated(compilation, edited);
    }

    [Fact]
    public void AnEditInAnUnrelatedMethodBodyRegeneratesNothing()
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(Kernels);
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(
            compilation.SyntaxTrees[0],
            Parse(Kernels.Replace("=> 1;", "=> 2 + 40;"), "Kernels.cs"));

        AssertNothingRegenerated(compilation, edited);
    }

    [Fact]
    public void EditingOneAttributeRegeneratesOnlyThatKernel()
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(Kernels);
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(
            compilation.SyntaxTrees[0],
            Parse(Kernels.Replace("Epsilon = 1e-6", "Epsilon = 1e-4"), "Kernels.cs"));

        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation, TestContext.Current.CancellationToken).RunGenerators(edited, TestContext.Current.CancellationToken);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        IncrementalStepRunReason[] reasons = result.TrackedSteps["LayerNormParsed"]
            .SelectMany(step => step.Outputs)
            .Select(output => output.Reason)
            .ToArray();
        Assert.Equal(1, reasons.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(2, reasons.Count(r => r == IncrementalStepRunReason.Unchanged || r == IncrementalStepRunReason.Cached));
        Assert.All(result.TrackedSteps["BatchNormParsed"].SelectMany(step => step.Outputs), output => Assert.True(
            output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"BatchNormParsed: {output.Reason}"));

        // Of the four kernels' source outputs, only the edited one's is produced again.
        IncrementalStepRunReason[] emitted = [.. result.TrackedOutputSteps.SelectMany(step => step.Value).SelectMany(step => step.Outputs).Select(output => output.Reason)];
        Assert.Equal(4, emitted.Length);
        Assert.Equal(1, emitted.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(3, emitted.Count(r => r == IncrementalStepRunReason.Cached));
    }

    /// <summary>
    /// Allowing unsafe code changes the target features only: every kernel's model is reused, and every kernel is
    /// emitted again, now with [SkipLocalsInit] (the invalid one keeps its throwing body without it).
    /// </summary>
    [Fact]
    public void AllowingUnsafeCodeReemitsEveryKernelFromItsCachedModel()
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(Kernels);
        GeneratorDriver driver = GeneratorHarness.CreateDriver()
            .RunGenerators(compilation, TestContext.Current.CancellationToken)
            .RunGenerators(compilation.WithUnsafeCode(), TestContext.Current.CancellationToken);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();

        Assert.Equal(IncrementalStepRunReason.Modified, Assert.Single(Assert.Single(result.TrackedSteps["TargetFeatures"]).Outputs).Reason);
        Assert.All(new[] { "LayerNormParsed", "BatchNormParsed" }.SelectMany(name => result.TrackedSteps[name]).SelectMany(step => step.Outputs),
            output => Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, output.Reason.ToString()));
        Assert.Equal(3, result.GeneratedSources.Count(s => s.SourceText.ToString().Contains("[global::System.Runtime.CompilerServices.SkipLocalsInit]", StringComparison.Ordinal)));
    }

    /// <summary>
    /// A user's own [SkipLocalsInit] on one declaration (the last, so no other moves) changes that kernel's model only:
    /// its file drops the generator's attribute, the other valid kernels keep theirs.
    /// </summary>
    [Fact]
    public void AddingSkipLocalsInitToOneDeclarationChangesOnlyThatKernel()
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(Kernels).WithUnsafeCode();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(
            compilation.SyntaxTrees[0],
            Parse(Kernels.Replace("[BatchNorm(16, 4, Mode = BatchNormMode.Training)]", "[BatchNorm(16, 4), System.Runtime.CompilerServices.SkipLocalsInit]"), "Kernels.cs"));

        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation, TestContext.Current.CancellationToken).RunGenerators(edited, TestContext.Current.CancellationToken);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        IncrementalStepRunReason Reason(string step) => Assert.Single(Assert.Single(result.TrackedSteps[step]).Outputs).Reason;
        Assert.Equal(IncrementalStepRunReason.Modified, Reason("BatchNormParsed"));
        Assert.All(result.TrackedSteps["LayerNormParsed"].SelectMany(step => step.Outputs),
            output => Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, output.Reason.ToString()));
        string[] carrying = [.. result.GeneratedSources
            .Where(s => s.SourceText.ToString().Contains("[global::System.Runtime.CompilerServices.SkipLocalsInit]", StringComparison.Ordinal))
            .Select(s => s.HintName)];
        Assert.Equal(["Demo.Kernels.Small.g.cs", "Demo.Kernels.Wide.g.cs"], carrying.Order()); // Invalid throws: none
    }

    [Fact]
    public void ModelsHoldNoSymbolsSyntaxOrCompilations()
    {
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(GeneratorHarness.CreateCompilation(Kernels), TestContext.Current.CancellationToken);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        int checkedModels = 0;
        foreach (string name in TrackingNames)
        {
            foreach (IncrementalGeneratorRunStep step in result.TrackedSteps[name])
            {
                foreach ((object value, IncrementalStepRunReason _) in step.Outputs)
                {
                    AssertPlainValues(value, name, new HashSet<object>(ReferenceEqualityComparer.Instance));
                    checkedModels++;
                }
            }
        }

        Assert.Equal(5, checkedModels); // four kernels and the target features
    }

    [Fact]
    public void TheSameInputGivesByteIdenticalOutput()
    {
        GeneratorOutput first = GeneratorHarness.Run(Kernels);
        GeneratorOutput second = GeneratorHarness.Run(Kernels);
        Assert.Equal(first.Sources, second.Sources);
    }

    private static SyntaxTree Parse(string text, string path) =>
        CSharpSyntaxTree.ParseText(text, GeneratorHarness.ParseOptions, path, cancellationToken: TestContext.Current.CancellationToken);

    private static void AssertNothingRegenerated(CSharpCompilation compilation, CSharpCompilation edited)
    {
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation, TestContext.Current.CancellationToken).RunGenerators(edited, TestContext.Current.CancellationToken);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        foreach (string name in TrackingNames)
        {
            Assert.True(result.TrackedSteps.ContainsKey(name), $"step {name} was not tracked");
            foreach (IncrementalGeneratorRunStep step in result.TrackedSteps[name])
            {
                Assert.All(step.Outputs, output => Assert.True(
                    output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                    $"{name}: {output.Reason}"));
            }
        }

        Assert.All(result.TrackedOutputSteps.SelectMany(step => step.Value).SelectMany(step => step.Outputs),
            output => Assert.Equal(IncrementalStepRunReason.Cached, output.Reason));
    }

    private static void AssertPlainValues(object? value, string path, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !seen.Add(value))
        {
            return;
        }

        Type type = value.GetType();
        Assert.False(value is ISymbol or SyntaxNode or SemanticModel or Compilation or Location or SyntaxTree,
            $"{path} holds a {type.Name}: models must be plain values");
        if (type.Namespace?.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal) == true)
        {
            // TextSpan and LinePositionSpan are plain value types; anything else from Roslyn is suspect.
            Assert.True(type.IsValueType, $"{path} holds a {type.FullName}");
        }

        if (value is IEnumerable sequence)
        {
            int i = 0;
            foreach (object? item in sequence)
            {
                AssertPlainValues(item, $"{path}[{i++}]", seen);
            }

            return;
        }

        foreach (FieldInfo field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            AssertPlainValues(field.GetValue(value), $"{path}.{field.Name}", seen);
        }
    }
}

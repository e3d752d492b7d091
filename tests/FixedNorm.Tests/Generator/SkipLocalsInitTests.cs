using FixedNorm.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace FixedNorm.Tests.Generator;

/// <summary>
/// In a project that allows unsafe code, generated kernels carry [SkipLocalsInit]: their stack buffers (weight and bias
/// copies, per-channel tables, sums) are not zeroed on every call (StackStartTests shows every buffer is written before
/// it is read). Without unsafe code the attribute would not compile (CS0227), so it is not there; where the user's
/// declaration has it already, a second one would not compile either (CS0579).
/// </summary>
public sealed class SkipLocalsInitTests
{
    private const string Attribute = "[global::System.Runtime.CompilerServices.SkipLocalsInit]";

    private const string Kernels = """
        using System;
        using FixedNorm;

        namespace Demo;

        public static partial class Kernels
        {
            [LayerNorm(64, 768)]
            public static partial void Aligned(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output);

            [BatchNorm(32, 64, 128)]
            public static partial void Training(ReadOnlySpan<float> input, Span<float> runningMean, Span<float> runningVar, Span<float> output);

            [LayerNorm(8, 3)]
            public static partial void Small(ReadOnlySpan<float> input, Span<float> output);
        }
        """;

    [Fact]
    public void AProjectWithoutUnsafeCodeGetsNoAttribute()
    {
        GeneratorOutput output = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(Kernels));

        Assert.Equal(3, output.Sources.Length);
        Assert.All(output.Sources, s => Assert.DoesNotContain(Attribute, s.Source, StringComparison.Ordinal));
        AssertNoErrors(output);
    }

    [Fact]
    public void AProjectWithUnsafeCodeGetsItOnEveryKernel()
    {
        GeneratorOutput output = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(Kernels).WithUnsafeCode());

        Assert.Equal(3, output.Sources.Length);
        Assert.All(output.Sources, s =>
        {
            string[] lines = s.Source.Split('\n').Select(l => l.Trim()).ToArray();
            int attribute = Array.IndexOf(lines, Attribute);
            Assert.True(attribute >= 0, s.HintName);
            Assert.StartsWith("[global::System.CodeDom.Compiler.GeneratedCode(", lines[attribute + 1], StringComparison.Ordinal);
            Assert.Single(lines, l => l == Attribute);
        });
        AssertNoErrors(output);
    }

    /// <summary>However the declaration writes it: beside the kernel's attribute, with a method target, through an alias.</summary>
    [Theory]
    [InlineData("[LayerNorm(64, 768), System.Runtime.CompilerServices.SkipLocalsInit]")]
    [InlineData("[method: System.Runtime.CompilerServices.SkipLocalsInitAttribute] [LayerNorm(64, 768)]")]
    [InlineData("[Skip] [LayerNorm(64, 768)]")]
    public void ADeclarationThatHasItAlreadyGetsNoSecond(string attributes)
    {
        string declared = "using Skip = System.Runtime.CompilerServices.SkipLocalsInitAttribute;\n"
            + Kernels.Replace("[LayerNorm(64, 768)]", attributes, StringComparison.Ordinal);
        GeneratorOutput output = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(declared).WithUnsafeCode());

        Assert.DoesNotContain(Attribute, Assert.Single(output.Sources, s => s.HintName == "Demo.Kernels.Aligned.g.cs").Source, StringComparison.Ordinal);
        Assert.All(output.Sources.Where(s => s.HintName != "Demo.Kernels.Aligned.g.cs"), s => Assert.Contains(Attribute, s.Source, StringComparison.Ordinal));
        AssertNoErrors(output);
    }

    /// <summary>The check above is needed: the same attribute on both parts of a partial method is CS0579.</summary>
    [Fact]
    public void TheAttributeTwiceDoesNotCompile()
    {
        string twice = """
            [System.Runtime.CompilerServices.SkipLocalsInit] static partial void M();
            [System.Runtime.CompilerServices.SkipLocalsInit] static partial void M() { }
            """;
        var compilation = GeneratorHarness.CreateCompilation($"static partial class C {{ {twice} }}").WithUnsafeCode();
        Assert.Contains(compilation.GetDiagnostics(TestContext.Current.CancellationToken), d => d.Id == "CS0579");
    }

    /// <summary>
    /// The in-order training plan adds into stack buffers. Without unsafe code no [SkipLocalsInit] can be in effect
    /// anywhere (CS0227), so stackalloc zeroes them and the kernel does not clear them again (clearing them twice cost
    /// [2, 256, 16] training 6 % and [4, 64, 32] 14 %, medians of nine processes); with unsafe code it clears them itself.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BuffersAddedIntoAreClearedOnlyWhereTheStackMayBeDirty(bool unsafeCode)
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(Kernels);
        GeneratorOutput output = GeneratorHarness.Run(unsafeCode ? compilation.WithUnsafeCode() : compilation);

        string training = Assert.Single(output.Sources, s => s.HintName == "Demo.Kernels.Training.g.cs").Source;
        Assert.Contains("partials = stackalloc double[", training, StringComparison.Ordinal);
        Assert.Equal(unsafeCode, training.Contains("partials.Clear();", StringComparison.Ordinal));
    }

    [Fact]
    public void AMethodWithErrorsGetsNoAttributeOnItsThrowingBody()
    {
        GeneratorOutput output = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(
            Kernels.Replace("[LayerNorm(8, 3)]", "[LayerNorm(8, 3, Axis = 7)]", StringComparison.Ordinal)).WithUnsafeCode());

        string small = Assert.Single(output.Sources, s => s.HintName == "Demo.Kernels.Small.g.cs").Source;
        Assert.Contains("throw new global::System.InvalidOperationException", small, StringComparison.Ordinal);
        Assert.DoesNotContain(Attribute, small, StringComparison.Ordinal);
    }

    /// <summary>
    /// A project that defines the attribute itself (a polyfill for older frameworks, left in on a newer one) gets none
    /// from the generator: the name would be ambiguous between the polyfill and the framework's (CS0436).
    /// </summary>
    [Fact]
    public void AProjectWithItsOwnAttributeGetsNoneAndNoWarning()
    {
        const string Polyfill = """
            namespace System.Runtime.CompilerServices
            {
                [System.AttributeUsage(System.AttributeTargets.All, Inherited = false)]
                internal sealed class SkipLocalsInitAttribute : System.Attribute { }
            }
            """;
        GeneratorOutput output = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(Kernels, Polyfill).WithUnsafeCode());

        Assert.Equal(3, output.Sources.Length);
        Assert.All(output.Sources, s => Assert.DoesNotContain(Attribute, s.Source, StringComparison.Ordinal));
        Diagnostic[] warnings = [.. output.OutputCompilation.GetDiagnostics(TestContext.Current.CancellationToken).Where(d => d.Severity >= DiagnosticSeverity.Warning)];
        Assert.True(warnings.Length == 0, GeneratorHarness.Format(warnings));
    }

    private static void AssertNoErrors(GeneratorOutput output)
    {
        Diagnostic[] errors = [.. output.OutputCompilation.GetDiagnostics(TestContext.Current.CancellationToken).Where(d => d.Severity == DiagnosticSeverity.Error)];
        Assert.True(errors.Length == 0, GeneratorHarness.Format(errors));
    }
}

using FixedNorm.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace FixedNorm.Tests.Generator;

/// <summary>
/// Each invalid declaration gives exactly its own error, at the attribute argument or parameter that is
/// wrong, and nothing else: no CS8795 for the missing body, no error inside generated code.
/// </summary>
public sealed class LayerNormDiagnosticsTests
{
    public static TheoryData<string, string, string> Cases() => new()
    {
        // declaration, expected id, the source text the diagnostic must point at
        { "[LayerNorm()] public static partial void Norm(ReadOnlySpan<float> input, Span<float> output);", "FN0001", "LayerNorm()" },
        { "[LayerNorm(8, 0)] public static partial void Norm(ReadOnlySpan<float> input, Span<float> output);", "FN0002", "0" },
        { "[LayerNorm(-8, 3)] public static partial void Norm(ReadOnlySpan<float> input, Span<float> output);", "FN0002", "-8" },
        { "[LayerNorm(8, 3, Axis = 2)] public static partial void Norm(ReadOnlySpan<float> input, Span<float> output);", "FN0003", "Axis = 2" },
        { "[LayerNorm(8, 3, Axis = -3)] public static partial void Norm(ReadOnlySpan<float> input, Span<float> output);", "FN0003", "Axis = -3" },
        { "[LayerNorm(8, 3, Epsilon = 0)] public static partial void Norm(ReadOnlySpan<float> input, Span<float> output);", "FN0004", "Epsilon = 0" },
        { "[LayerNorm(8, 3, Epsilon = -1e-5)] public static partial void Norm(ReadOnlySpan<float> input, Span<float> output);", "FN0004", "Epsilon = -1e-5" },
        { "[LayerNorm(8, 3, Epsilon = double.NaN)] public static partial void Norm(ReadOnlySpan<float> input, Span<float> output);", "FN0004", "Epsilon = double.NaN" },
        { "[LayerNorm(8, 3, Epsilon = double.PositiveInfinity)] public static partial void Norm(ReadOnlySpan<float> input, Span<float> output);", "FN0004", "Epsilon = double.PositiveInfinity" },
        { "[LayerNorm(8, 3)] public static void Norm(ReadOnlySpan<float> input, Span<float> output) { }", "FN0005", "Norm" },
        { "[LayerNorm(8, 3)] public static partial void Norm(ReadOnlySpan<float> input, Span<float> output); public static partial void Norm(ReadOnlySpan<float> input, Span<float> output) { }", "FN0006", "Norm" },
        { "public static partial void Norm(ReadOnlySpan<float> input, Span<float> output); [LayerNorm(8, 3)] public static partial void Norm(ReadOnlySpan<float> input, Span<float> output) { }", "FN0006", "Norm" },
        { "[LayerNorm(8, 3)] public static partial int Norm(ReadOnlySpan<float> input, Span<float> output);", "FN0007", "int" },
        { "[LayerNorm(8, 3)] public static partial void Norm(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<float> scale);", "FN0008", "ReadOnlySpan<float> scale" },
        { "[LayerNorm(8, 3)] public static partial void Norm(Span<float> output);", "FN0009", "(Span<float> output)" },
        { "[LayerNorm(8, 3)] public static partial void Norm(ReadOnlySpan<float> input);", "FN0009", "(ReadOnlySpan<float> input)" },
        { "[LayerNorm(8, 3)] public static partial void Norm(Memory<float> input, Span<float> output);", "FN0010", "Memory<float> input" },
        { "[LayerNorm(8, 3)] public static partial void Norm(ReadOnlySpan<float> input, ReadOnlySpan<float> output);", "FN0010", "ReadOnlySpan<float> output" },
        { "[LayerNorm(8, 3)] public static partial void Norm(ReadOnlySpan<int> input, Span<float> output);", "FN0010", "ReadOnlySpan<int> input" },
        { "[LayerNorm(8, 3)] public static partial void Norm(float[] input, Span<float> output);", "FN0010", "float[] input" },
        { "[LayerNorm(8, 3)] public static partial void Norm(ReadOnlySpan<float> input, Span<double> output);", "FN0011", "Span<double> output" },
        { "[LayerNorm(8, 3)] public static partial void Norm<T>(ReadOnlySpan<float> input, Span<float> output) where T : struct;", "FN0012", "<T>" },
        { "[LayerNorm(8, 3)] public static partial void Norm(ReadOnlySpan<float> input, ref Span<float> output);", "FN0013", "ref Span<float> output" },
        { "[LayerNorm(65536, 65536)] public static partial void Norm(ReadOnlySpan<float> input, Span<float> output);", "FN0014", "LayerNorm(65536, 65536)" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ReportsExactlyOneErrorAtTheMistake(string declaration, string id, string located)
    {
        string source = Wrap(declaration);
        GeneratorOutput output = GeneratorHarness.Run(source);

        Diagnostic diagnostic = Assert.Single(output.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(located, source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
        Assert.StartsWith("https://", diagnostic.Descriptor.HelpLinkUri, StringComparison.Ordinal);

        // Nothing else: the compiler reports no CS8795 (a body was still emitted) and no error in generated code.
        Assert.Equal("", GeneratorHarness.Format(output.CompilationDiagnostics.Where(d => d.Id != id)));
    }

    [Fact]
    public void MessagesCarryTheNumbers()
    {
        GeneratorOutput output = GeneratorHarness.Run(Wrap(
            "[LayerNorm(8, 3, Axis = 2)] public static partial void Norm(ReadOnlySpan<float> input, Span<float> output);"));
        Assert.Equal(
            "Axis 2 is out of range for the rank-2 shape [8, 3]; use -2..1",
            Assert.Single(output.GeneratorDiagnostics).GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void InvalidDeclarations() => SourceSnapshots.MatchDiagnostics(GeneratorHarness.Run(Wrap("""
        [LayerNorm()] public static partial void EmptyShape(ReadOnlySpan<float> input, Span<float> output);
            [LayerNorm(8, 0)] public static partial void ZeroDimension(ReadOnlySpan<float> input, Span<float> output);
            [LayerNorm(8, 3, Axis = 2)] public static partial void BadAxis(ReadOnlySpan<float> input, Span<float> output);
            [LayerNorm(8, 3, Epsilon = 0)] public static partial void BadEpsilon(ReadOnlySpan<float> input, Span<float> output);
            [LayerNorm(8, 3)] public static void NotPartial(ReadOnlySpan<float> input, Span<float> output) { }
            [LayerNorm(8, 3)] public static partial int ReturnsInt(ReadOnlySpan<float> input, Span<float> output);
            [LayerNorm(8, 3)] public static partial void Unknown(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<float> gamma);
            [LayerNorm(8, 3)] public static partial void NoInput(Span<float> output);
            [LayerNorm(8, 3)] public static partial void WrongKind(ReadOnlySpan<float> input, ReadOnlySpan<float> output);
            [LayerNorm(8, 3)] public static partial void Mixed(ReadOnlySpan<float> input, Span<double> output);
            [LayerNorm(8, 3)] public static partial void Generic<T>(ReadOnlySpan<float> input, Span<float> output);
        """)));

    private static string Wrap(string declaration) => $$"""
        using System;
        using FixedNorm;

        namespace Demo;

        public static partial class Kernels
        {
            {{declaration}}
        }
        """;
}

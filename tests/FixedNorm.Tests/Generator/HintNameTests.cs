using FixedNorm.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace FixedNorm.Tests.Generator;

/// <summary>
/// Every kernel gets a file of its own: Roslyn compares hint names ignoring case and refuses a repeated or ill-formed one
/// by dropping every file the generator made (CS8785). Declarations whose plain names would collide, found by review.
/// </summary>
public sealed class HintNameTests
{
    public static TheoryData<string, string[]> Cases() => new()
    {
        {
            "namespace N; public static partial class C { [LayerNorm(4, 4)] public static partial void Norm(ReadOnlySpan<float> input, Span<float> output); [LayerNorm(4, 4)] public static partial void norm(ReadOnlySpan<float> input, Span<float> output); }",
            ["N.C.Norm.g.cs", "N.C.norm[2].g.cs"]
        },
        {
            "namespace N; public static partial class C { [LayerNorm(4, 4)] public static partial void M_1(ReadOnlySpan<float> input, Span<float> output); [LayerNorm(4, 4)] public static partial void M(ReadOnlySpan<float> input, Span<float> output); [LayerNorm(4, 4)] public static partial void M(ReadOnlySpan<double> input, Span<double> output); }",
            ["N.C.M(1).g.cs", "N.C.M(2).g.cs", "N.C.M_1.g.cs"]
        },
        {
            "namespace N; public partial class A_1 { [LayerNorm(4, 4)] public static partial void Norm(ReadOnlySpan<float> input, Span<float> output); } public partial class A<T> { [LayerNorm(4, 4)] public static partial void Norm(ReadOnlySpan<float> input, Span<float> output); }",
            ["N.A_1.Norm.g.cs", "N.A{T}.Norm.g.cs"]
        },
        {
            "namespace Models.@event; public static partial class K { [LayerNorm(4, 4)] public static partial void Norm(ReadOnlySpan<float> input, Span<float> output); }",
            ["Models.event.K.Norm.g.cs"]
        },
        {
            "namespace N.a { public static partial class X { [LayerNorm(4, 4)] public static partial void Norm(ReadOnlySpan<float> input, Span<float> output); } } namespace N { public static partial class A { public static partial class X { [LayerNorm(4, 4)] public static partial void Norm(ReadOnlySpan<float> input, Span<float> output); } } }",
            ["N.A.X.Norm.g.cs", "N.a[2].X.Norm.g.cs"]
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void KernelsWhosePlainNamesCollideGetFilesOfTheirOwn(string declarations, string[] expected)
    {
        GeneratorOutput output = GeneratorHarness.Run("using System;\nusing FixedNorm;\n" + declarations);

        Assert.Empty(output.GeneratorDiagnostics);
        Assert.Empty(output.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Equal(expected, output.Sources.Select(s => s.HintName));
    }
}

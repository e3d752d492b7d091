using System.Text;
using FixedNorm.Tests.Infrastructure;
using FixedNorm.Tests.Robustness;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace FixedNorm.Tests.Generator;

/// <summary>
/// Generated code compiles without a warning at every language version a consumer can declare kernels in: from C# 9,
/// the first with partial methods that have an access modifier (extended partial methods), to the latest. A project
/// on .NET 8 may set LangVersion down to that, and generated sources are parsed with the project's own version. Also
/// at the highest warning wave (the SDK raises the level with each .NET version), with documentation comments checked
/// (GenerateDocumentationFile), and with and without unsafe code (with it, kernels carry [SkipLocalsInit]). The kernels
/// are the ones that between them cover every plan with a stack buffer (<see cref="StackStartTests"/>).
/// </summary>
public sealed class LanguageVersionTests
{
    public static TheoryData<LanguageVersion, bool> Versions() => new(
        new[] { LanguageVersion.CSharp9, LanguageVersion.CSharp10, LanguageVersion.CSharp11, LanguageVersion.CSharp12, LanguageVersion.CSharp13, LanguageVersion.Latest }
            .SelectMany(version => new[] { (version, false), (version, true) }));

    [Theory]
    [MemberData(nameof(Versions))]
    public void TheKernelsCompileWithoutWarnings(LanguageVersion version, bool unsafeCode)
    {
        var source = new StringBuilder("using System;\nusing FixedNorm;\nnamespace Demo\n{\n/// <summary>Kernels.</summary>\npublic static partial class Kernels\n{\n");
        foreach (StackStartTests.Case c in StackStartTests.Cases)
        {
            bool inference = c.Attribute.Contains("Inference", StringComparison.Ordinal);
            string parameters = string.Join(", ", c.Parameters.Select(p =>
                $"{(p is "output" or "mean" or "rstd" || (!inference && p is "runningMean" or "runningVar") ? "Span" : "ReadOnlySpan")}<{c.Type}> {p}"));
            source.AppendLine($"    /// <summary>{c.Name}.</summary>\n    {c.Attribute} public static partial void {c.Name}({parameters});");
        }

        source.AppendLine("}\n}");
        var parse = new CSharpParseOptions(version, DocumentationMode.Diagnose);
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(source.ToString());
        compilation = compilation.WithOptions(compilation.Options.WithWarningLevel(9999).WithAllowUnsafe(unsafeCode));
        compilation = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees[0], CSharpSyntaxTree.ParseText(source.ToString(), parse, "Kernels.cs", cancellationToken: TestContext.Current.CancellationToken));
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new FixedNorm.Generator.KernelGenerator().AsSourceGenerator()], parseOptions: parse)
            .RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _, TestContext.Current.CancellationToken);
        Diagnostic[] warnings = [.. output.GetDiagnostics(TestContext.Current.CancellationToken).Where(d => d.Severity >= DiagnosticSeverity.Warning)];
        Assert.True(warnings.Length == 0, string.Join("\n", warnings.Take(20).Select(e => e.ToString())));
        Assert.Equal(StackStartTests.Cases.Length, driver.GetRunResult().GeneratedTrees.Length);
        Assert.All(driver.GetRunResult().GeneratedTrees, tree => Assert.Equal(
            unsafeCode, tree.ToString().Contains("[global::System.Runtime.CompilerServices.SkipLocalsInit]", StringComparison.Ordinal)));
    }
}

using System.Collections.Immutable;
using FixedNorm.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace FixedNorm.Tests.Infrastructure;

/// <summary>What one generator run produced.</summary>
public sealed record GeneratorOutput(
    ImmutableArray<(string HintName, string Source)> Sources,
    ImmutableArray<Diagnostic> GeneratorDiagnostics,
    ImmutableArray<Diagnostic> CompilationDiagnostics,
    Compilation OutputCompilation);

/// <summary>Drives the real generator over in-memory sources with <see cref="CSharpGeneratorDriver"/>.</summary>
public static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly Lazy<MetadataReference[]> References = new(() =>
    {
        string[] platform = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        return platform
            .Where(path => Path.GetFileName(path).StartsWith("System.", StringComparison.Ordinal) ||
                           Path.GetFileName(path) is "mscorlib.dll" or "netstandard.dll")
            .Append(typeof(LayerNormAttribute).Assembly.Location)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToArray();
    });

    /// <summary>
    /// A consumer project as <c>dotnet new classlib</c> makes one: no unsafe code, so the generator adds no
    /// [SkipLocalsInit] (<see cref="WithUnsafeCode"/> for projects that allow it).
    /// </summary>
    public static CSharpCompilation CreateCompilation(params string[] sources) =>
        CSharpCompilation.Create(
            "FixedNorm.Consumer",
            sources.Select((source, i) => CSharpSyntaxTree.ParseText(source, ParseOptions, path: i == 0 ? "Kernels.cs" : $"Other{i}.cs")),
            References.Value,
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                optimizationLevel: OptimizationLevel.Release,
                nullableContextOptions: NullableContextOptions.Enable));

    /// <summary>The same project with AllowUnsafeBlocks: kernels carry [SkipLocalsInit].</summary>
    public static CSharpCompilation WithUnsafeCode(this CSharpCompilation compilation) =>
        compilation.WithOptions(compilation.Options.WithAllowUnsafe(true));

    public static GeneratorDriver CreateDriver() =>
        CSharpGeneratorDriver.Create(
            [new KernelGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    public static GeneratorOutput Run(params string[] sources) => Run(CreateCompilation(sources));

    public static GeneratorOutput Run(Compilation compilation)
    {
        GeneratorDriver driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        GeneratorDriverRunResult result = driver.GetRunResult();
        GeneratorRunResult run = result.Results.Single();
        if (run.Exception is not null)
        {
            throw new InvalidOperationException("The generator threw.", run.Exception);
        }

        return new GeneratorOutput(
            run.GeneratedSources.Select(s => (s.HintName, s.SourceText.ToString())).OrderBy(s => s.HintName, StringComparer.Ordinal).ToImmutableArray(),
            run.Diagnostics,
            output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToImmutableArray(),
            output);
    }

    /// <summary>
    /// The source generated for one float kernel, <c>Demo.K.Run</c>, declared with <paramref name="attribute"/> (no
    /// brackets) and the parameters its operation and mode take: input and output, with weight and bias for LayerNorm
    /// when <paramref name="affine"/>; BatchNorm always affine, with read-only running statistics in inference.
    /// </summary>
    public static string GenerateOne(string attribute, bool affine = false)
    {
        string parameters = attribute.StartsWith("LayerNorm", StringComparison.Ordinal)
            ? affine ? "ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output" : "ReadOnlySpan<float> input, Span<float> output"
            : attribute.Contains("Inference", StringComparison.Ordinal)
                ? "ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output"
                : "ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> runningMean, Span<float> runningVar, Span<float> output";
        GeneratorOutput output = Run($$"""
            using System;
            using FixedNorm;
            namespace Demo;
            public static partial class K
            {
                [{{attribute}}]
                public static partial void Run({{parameters}});
            }
            """);
        Assert.Empty(output.GeneratorDiagnostics);
        return Assert.Single(output.Sources).Source;
    }

    /// <summary>"FN0003 Kernels.cs(4,28): message", one line per diagnostic, in source order.</summary>
    public static string Format(IEnumerable<Diagnostic> diagnostics) =>
        string.Join("\n", diagnostics
            .OrderBy(d => d.Location.SourceSpan.Start)
            .ThenBy(d => d.Id, StringComparer.Ordinal)
            .Select(d =>
            {
                FileLinePositionSpan span = d.Location.GetLineSpan();
                string where = d.Location.Kind != LocationKind.None
                    ? $"{Path.GetFileName(span.Path)}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1})"
                    : "(no location)";
                return $"{d.Severity} {d.Id} {where}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
            }));
}

using System.Text;
using BenchmarkDotNet.Attributes;
using FixedNorm.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace FixedNorm.Benchmarks;

/// <summary>
/// Compile time: <see cref="KernelGenerator"/> through <see cref="CSharpGeneratorDriver"/> on a compilation
/// of <see cref="MethodCount"/> annotated methods (a mix of LayerNorm and BatchNorm shapes, layouts and modes)
/// spread over <see cref="FileCount"/> files, plus one unrelated file.
/// </summary>
public class GeneratorBenchmarks
{
    public const int MethodCount = 200;
    public const int FileCount = 10;

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    /// <summary>(attribute, parameters) pairs cycled over the methods.</summary>
    private static readonly (string Attribute, string Parameters)[] Kinds =
    [
        ("LayerNorm(8, 3)", "ReadOnlySpan<float> input, Span<float> output"),
        ("LayerNorm(64, 768)", "ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output"),
        ("LayerNorm(32, 4096, Epsilon = 1e-6)", "ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output, Span<float> mean, Span<float> rstd"),
        ("LayerNorm(2, 3, 4, 5, Axis = 1)", "ReadOnlySpan<double> input, ReadOnlySpan<double> weight, ReadOnlySpan<double> bias, Span<double> output"),
        ("LayerNorm(16, 33)", "ReadOnlySpan<double> input, Span<double> output"),
        ("BatchNorm(8, 3)", "ReadOnlySpan<float> input, Span<float> output, Span<float> runningMean, Span<float> runningVar, Span<float> mean, Span<float> rstd"),
        ("BatchNorm(256, 64, Mode = BatchNormMode.Inference)", "ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output"),
        ("BatchNorm(32, 64, 128, Momentum = 0.01)", "ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> runningMean, Span<float> runningVar, Span<float> output"),
        ("BatchNorm(16, 32, 32, 64, ChannelAxis = -1)", "ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> runningMean, Span<float> runningVar, Span<float> output"),
        ("BatchNorm(4, 3, 5, 7, RunningVariance = BatchNormRunningVariance.Population)", "ReadOnlySpan<double> input, Span<double> output, Span<double> runningMean, Span<double> runningVar"),
    ];

    private SyntaxTree[] _trees = [];
    private MetadataReference[] _references = [];
    private CSharpCompilationOptions _options = null!;
    private CSharpCompilation _compilation = null!;
    private SyntaxTree _unrelated = null!;
    private SyntaxTree _unrelatedEdited = null!;
    private GeneratorDriver _afterFirstRun = null!;

    [GlobalSetup]
    public void Setup()
    {
        _trees = [.. Enumerable.Range(0, FileCount).Select(SourceFile), _unrelated = Unrelated("return a + b;")];
        _unrelatedEdited = _unrelated.WithChangedText(Unrelated("return b + a; // edited").GetText());
        string[] platform = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        _references =
        [
            .. platform
                .Where(path => Path.GetFileName(path).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(path) is "mscorlib.dll" or "netstandard.dll")
                .Select(path => MetadataReference.CreateFromFile(path)),
            MetadataReference.CreateFromFile(typeof(LayerNormAttribute).Assembly.Location),
        ];
        _options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release,
            nullableContextOptions: NullableContextOptions.Enable);
        _compilation = NewCompilation();
        _afterFirstRun = CreateDriver(track: false).RunGenerators(_compilation);
        Verify();
    }

    /// <summary>A new driver's run on a new compilation: every method parsed, planned and emitted.</summary>
    [Benchmark]
    public GeneratorDriver FirstRun() => CreateDriver(track: false).RunGenerators(NewCompilation());

    /// <summary>The driver after its first run, run again after an edit to a file with no kernel: everything cached.</summary>
    [Benchmark]
    public GeneratorDriver RerunAfterUnrelatedEdit() => _afterFirstRun.RunGenerators(_compilation.ReplaceSyntaxTree(_unrelated, _unrelatedEdited));

    private static GeneratorDriver CreateDriver(bool track) =>
        CSharpGeneratorDriver.Create(
            [new KernelGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: track));

    private CSharpCompilation NewCompilation() => CSharpCompilation.Create("FixedNorm.GeneratorBenchmark", _trees, _references, _options);

    /// <summary>What the last check in this process found a re-run after an unrelated edit does ("" before any).</summary>
    public static string CachingReport { get; private set; } = "";

    /// <summary>
    /// Sets up a benchmark instance, which checks the generator's output and caching, and describes what a re-run
    /// after an unrelated edit does; throws if the first run does not emit one file per method without
    /// diagnostics, or if the re-run emits anything.
    /// </summary>
    public static string CheckCaching()
    {
        new GeneratorBenchmarks().Setup();
        return CachingReport;
    }

    private void Verify()
    {
        GeneratorDriver first = CreateDriver(track: true).RunGeneratorsAndUpdateCompilation(_compilation, out Compilation output, out _);
        GeneratorRunResult run = first.GetRunResult().Results.Single();
        if (run.Exception is not null)
        {
            throw new InvalidOperationException("The generator threw.", run.Exception);
        }

        Diagnostic[] problems = [.. run.Diagnostics.Concat(output.GetDiagnostics()).Where(d => d.Severity >= DiagnosticSeverity.Warning)];
        if (run.GeneratedSources.Length != MethodCount || problems.Length > 0)
        {
            throw new InvalidOperationException(
                $"Expected {MethodCount} generated files and no diagnostics, got {run.GeneratedSources.Length} files and:\n" +
                string.Join("\n", problems.Take(10).Select(d => d.ToString())));
        }

        GeneratorRunResult rerun = first.RunGenerators(_compilation.ReplaceSyntaxTree(_unrelated, _unrelatedEdited)).GetRunResult().Results.Single();
        IncrementalStepRunReason[] emitted = [.. rerun.TrackedOutputSteps.SelectMany(step => step.Value).SelectMany(step => step.Outputs).Select(o => o.Reason)];
        IncrementalStepRunReason[] parsed = [.. rerun.TrackedSteps
            .Where(step => step.Key is "LayerNormParsed" or "BatchNormParsed")
            .SelectMany(step => step.Value)
            .SelectMany(step => step.Outputs)
            .Select(o => o.Reason)];
        if (emitted.Length != MethodCount || emitted.Any(r => r != IncrementalStepRunReason.Cached)
            || parsed.Length != MethodCount || parsed.Any(r => r is not (IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged)))
        {
            throw new InvalidOperationException(
                $"The re-run after an unrelated edit did work: source outputs {Reasons(emitted)}; parsed models {Reasons(parsed)}.");
        }

        CachingReport =
            $"Re-run after an unrelated edit: source outputs {Reasons(emitted)} (no file emitted again); " +
            $"parsed models {Reasons(parsed)}. ForAttributeWithMetadataName runs its transform again whenever the " +
            "Compilation changes (Unchanged = re-run, equal to the cached model, so nothing downstream re-runs); the " +
            "re-run's time is that re-binding and re-parsing of the 200 methods in the new compilation.";
    }

    private static string Reasons(IEnumerable<IncrementalStepRunReason> reasons) =>
        string.Join(", ", reasons.GroupBy(r => r).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key}"));

    private static SyntaxTree SourceFile(int file)
    {
        var text = new StringBuilder();
        text.AppendLine("using System;");
        text.AppendLine("using FixedNorm;");
        text.AppendLine($"namespace Model{file};");
        int perFile = MethodCount / FileCount;
        for (int c = 0; c < 2; c++)
        {
            text.AppendLine($"public static partial class Layer{c}");
            text.AppendLine("{");
            for (int m = 0; m < perFile / 2; m++)
            {
                int index = (file * perFile) + (c * (perFile / 2)) + m;
                (string attribute, string parameters) = Kinds[index % Kinds.Length];
                text.AppendLine($"    [{attribute}]");
                text.AppendLine($"    public static partial void Kernel{index}({parameters});");
            }

            text.AppendLine("}");
        }

        return CSharpSyntaxTree.ParseText(text.ToString(), ParseOptions, path: $"Model{file}.cs", encoding: Encoding.UTF8);
    }

    private static SyntaxTree Unrelated(string body) => CSharpSyntaxTree.ParseText(
        $"namespace Unrelated;\npublic static class Arithmetic\n{{\n    public static int Add(int a, int b)\n    {{\n        {body}\n    }}\n}}\n",
        ParseOptions, path: "Unrelated.cs", encoding: Encoding.UTF8);
}

using FixedNorm.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace FixedNorm.Tests.Generator;

/// <summary>The rest of the catalogue: each mistake gets its FN id at its location, and nothing FixedNorm could avoid.</summary>
public sealed class RobustnessDiagnosticsTests
{
    private const string Io = "ReadOnlySpan<float> input, Span<float> output";

    public static TheoryData<string, string, string> Cases() => new()
    {
        { $"[LayerNorm(2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2)] public static partial void K({Io});", "FN0022", "LayerNorm(2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2)" },
        { $"[LayerNorm(8, 3)] [BatchNorm(8, 3)] public static partial void K({Io});", "FN0023", "BatchNorm(8, 3)" },
        { $"[BatchNorm(8, 3)] [LayerNorm(8, 3)] public static partial void K({Io});", "FN0023", "LayerNorm(8, 3)" },
        { $"[LayerNorm(8, 3, Epsilon = 1e-40)] public static partial void K({Io});", "FN0025", "Epsilon = 1e-40" },
        { "[LayerNorm(8, 3, Epsilon = 1e-310)] public static partial void K(ReadOnlySpan<double> input, Span<double> output);", "FN0025", "Epsilon = 1e-310" },
        { $"[LayerNorm(8, 3)] public static partial void K(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<float> wieght);", "FN0008", "ReadOnlySpan<float> wieght" },
        { $"[LayerNorm(8, 3)] public static partial void K(ReadOnlySpan<float> Input, Span<float> output);", "FN0008", "ReadOnlySpan<float> Input" },
        { $"[LayerNorm(8, 3)] public static partial void K(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<float> input2);", "FN0008", "ReadOnlySpan<float> input2" },
        { $"[LayerNorm(8, 3)] public static partial void K(ReadOnlySpan<float> input, Memory<float> output);", "FN0010", "Memory<float> output" },
        { $"[LayerNorm(8, 3)] public static unsafe partial void K(float* input, Span<float> output);", "FN0010", "float* input" },
        { $"[LayerNorm(8, 3)] public static partial void K(ReadOnlySpan<float> input, out Span<float> output);", "FN0013", "out Span<float> output" },
        { $"[LayerNorm(8, 3)] public static partial void K(in ReadOnlySpan<float> input, Span<float> output);", "FN0013", "in ReadOnlySpan<float> input" },
        { $"[LayerNorm(null)] public static partial void K({Io});", "FN0001", "LayerNorm(null)" },
        { "[LayerNorm(8, 3)] public static partial void K();", "FN0009", "()" },
        { "[LayerNorm(8, 3)] public static partial void K(ReadOnlySpan<float> input, Span<double> output, Span<double> mean);", "FN0011", "Span<double> output" },
        { "[LayerNorm(8, 3)] public static partial void K(float[] input, float[] output);", "FN0010", "float[] input" },
        { $"[BatchNorm(8, 3)] public static partial void K({Io}, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar);", "FN0010", "ReadOnlySpan<float> runningMean" },
        { $"public static void Host() {{ [LayerNorm(8, 3)] static void Local({Io}) {{ }} }}", "FN0029", "Local" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ReportsExactlyOneDiagnosticAtTheMistake(string declaration, string id, string located)
    {
        string source = Wrap(declaration);
        GeneratorOutput output = Run(source);

        Diagnostic diagnostic = Assert.Single(output.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(located, source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
        // The compiler's own words on the same mistake (a duplicate attribute; null for a non-nullable shape; an unused local function).
        string[] inherent = ["CS0579", "CS8625", "CS8321"];
        Assert.Equal("", GeneratorHarness.Format(output.CompilationDiagnostics.Where(d => d.Id != id && !inherent.Contains(d.Id))));
    }

    [Theory]
    [InlineData("[LayerNorm(8, 3)] public static partial void K(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<float> wieght);", "did you mean 'weight'?")]
    [InlineData("[LayerNorm(8, 3)] public static partial void K(ReadOnlySpan<float> Input, Span<float> output);", "did you mean 'input'?")]
    [InlineData("[BatchNorm(8, 3)] public static partial void K(ReadOnlySpan<float> input, Span<float> output, Span<float> runing_mean, Span<float> runningVar);", "did you mean 'runningMean'?")]
    public void UnknownNamesSuggestTheNearestValidName(string declaration, string suggestion)
    {
        Diagnostic diagnostic = Assert.Single(Run(Wrap(declaration)).GeneratorDiagnostics);
        Assert.Contains(suggestion, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("file", "FN0024")]
    [InlineData("interface", "FN0026")]
    public void ContainersThatCannotBeImplementedAreDiagnosed(string container, string id)
    {
        string source = container == "file"
            ? $"using System; using FixedNorm;\nfile static partial class K {{ [LayerNorm(8, 3)] static partial void Norm({Io}); }}"
            : $"using System; using FixedNorm;\npublic partial interface IK {{ [LayerNorm(8, 3)] static partial void Norm({Io}); }}";
        GeneratorOutput output = Run(source);
        Assert.Equal(id, Assert.Single(output.GeneratorDiagnostics).Id);
        Assert.Empty(output.Sources);
        Assert.Equal("", GeneratorHarness.Format(output.CompilationDiagnostics.Where(d => d.Id != id)));
    }

    [Theory]
    [InlineData("public static async partial void K(ReadOnlySpan<float> input, Span<float> output);", "FN0027", "CS1994")]
    [InlineData("public static async partial System.Threading.Tasks.Task K(ReadOnlySpan<float> input, Span<float> output);", "FN0027", "CS1994")]
    [InlineData("public static partial void K(ReadOnlySpan<float> input, Span<float> input);", "FN0028", "CS0100")]
    public void MistakesTheCompilerAlsoReportsGetOneFixedNormErrorAndNoCascade(string declaration, string id, string compilerId)
    {
        GeneratorOutput output = Run(Wrap("[LayerNorm(8, 3)] " + declaration));
        Assert.Equal(id, Assert.Single(output.GeneratorDiagnostics).Id);
        Assert.Contains(output.CompilationDiagnostics, d => d.Id == compilerId);

        // Nothing in generated code and no CS8795: the compiler's own errors are all on the user's declaration.
        Assert.All(output.CompilationDiagnostics, d => Assert.Equal("Kernels.cs", Path.GetFileName(d.Location.SourceTree?.FilePath)));
        Assert.DoesNotContain(output.CompilationDiagnostics, d => d.Id == "CS8795");
    }

    [Theory]
    [InlineData("public class Outer { public static partial class Inner { [LayerNorm(8, 3)] static partial void K(ReadOnlySpan<float> input, Span<float> output); } }", "Outer")]
    [InlineData("public class Outer { public partial struct Inner { [BatchNorm(8, 3)] partial void K(ReadOnlySpan<float> input, Span<float> output); } }", "Outer")]
    public void AContainingTypeThatIsNotPartialIsReportedNotSilentlyIgnored(string declaration, string type)
    {
        GeneratorOutput output = Run("using System; using FixedNorm;\n" + declaration);
        Diagnostic diagnostic = Assert.Single(output.GeneratorDiagnostics);
        Assert.Equal("FN0030", diagnostic.Id);
        Assert.Contains($"'{type}'", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Empty(output.CompilationDiagnostics);
    }

    [Fact]
    public void MistakesInSeveralParametersOfOneKindGiveOneDiagnosticNamingThemAll()
    {
        GeneratorOutput output = Run("""
            using System;
            using FixedNorm;
            public partial class Layer<T> where T : struct
            {
                [LayerNorm(8, 3)] public partial void K(ReadOnlySpan<T> input, Span<T> output);
            }
            """);
        Diagnostic diagnostic = Assert.Single(output.GeneratorDiagnostics);
        Assert.Equal("FN0010", diagnostic.Id);
        Assert.Contains("likewise 'output'", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Empty(output.CompilationDiagnostics);
    }

    [Fact]
    public void ARepeatedParameterNameLeavesNoWarningInGeneratedCode()
    {
        GeneratorOutput output = Run(Wrap("[LayerNorm(8, 3)] public static partial void K(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<float> weight, ReadOnlySpan<float> weight);"));
        Assert.Equal("FN0028", Assert.Single(output.GeneratorDiagnostics).Id);
        Assert.All(output.OutputCompilation.GetDiagnostics(TestContext.Current.CancellationToken).Where(d => d.Severity >= DiagnosticSeverity.Warning),
            d => Assert.Equal("Kernels.cs", Path.GetFileName(d.Location.SourceTree?.FilePath)));
    }

    [Fact]
    public void ASpanWhereAReadOnlySpanIsExpectedIsAccepted()
    {
        GeneratorOutput output = Run(Wrap("""
            [LayerNorm(8, 3)] public static partial void A(Span<float> input, Span<float> output, Span<float> weight);
                [BatchNorm(8, 3, Mode = BatchNormMode.Inference)] public static partial void B(Span<float> input, Span<float> output, Span<float> runningMean, Span<float> runningVar);
            """));
        Assert.Empty(output.GeneratorDiagnostics);
        Assert.Empty(output.CompilationDiagnostics);
    }

    [Fact]
    public void ExtensionMethodsAndGenericContainingTypesAreSupported()
    {
        GeneratorOutput output = Run("""
            using System;
            using FixedNorm;
            public static partial class Extensions
            {
                [LayerNorm(8, 3)] public static partial void Normalize(this ReadOnlySpan<float> input, Span<float> output);
            }
            public partial class Layer<T> where T : struct
            {
                [BatchNorm(8, 3)] public partial void Train(ReadOnlySpan<double> input, Span<double> output);
            }
            """);
        Assert.Empty(output.GeneratorDiagnostics);
        Assert.Empty(output.CompilationDiagnostics);
        Assert.Equal(2, output.Sources.Length);
    }

    [Fact]
    public void ATinyEpsilonWarnsButStillGeneratesTheKernel()
    {
        GeneratorOutput output = Run(Wrap($"[LayerNorm(8, 3, Epsilon = 1e-40)] public static partial void K({Io});"));
        Assert.Equal(DiagnosticSeverity.Warning, Assert.Single(output.GeneratorDiagnostics).Severity);
        Assert.Contains("CheckLength", Assert.Single(output.Sources).Source, StringComparison.Ordinal);
    }

    /// <summary>In a project that allows unsafe code: the declarations below sit in an unsafe class.</summary>
    private static GeneratorOutput Run(string source) => GeneratorHarness.Run(GeneratorHarness.CreateCompilation(source).WithUnsafeCode());

    private static string Wrap(string declaration) => $$"""
        using System;
        using FixedNorm;

        namespace Demo;

        public static unsafe partial class Kernels
        {
            {{declaration}}
        }
        """;
}

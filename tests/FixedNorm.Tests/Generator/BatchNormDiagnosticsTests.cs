using FixedNorm.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace FixedNorm.Tests.Generator;

/// <summary>Each invalid BatchNorm declaration gives exactly its own error at the mistake, and nothing else.</summary>
public sealed class BatchNormDiagnosticsTests
{
    private const string Io = "ReadOnlySpan<float> input, Span<float> output";

    public static TheoryData<string, string, string> Cases() => new()
    {
        { $"[BatchNorm(8, 3, ChannelAxis = 2)] public static partial void Bn({Io});", "FN0003", "ChannelAxis = 2" },
        { $"[BatchNorm(8, 3, ChannelAxis = -3)] public static partial void Bn({Io});", "FN0003", "ChannelAxis = -3" },
        { $"[BatchNorm(8, 3, Momentum = 1.5)] public static partial void Bn({Io});", "FN0015", "Momentum = 1.5" },
        { $"[BatchNorm(8, 3, Momentum = -0.1)] public static partial void Bn({Io});", "FN0015", "Momentum = -0.1" },
        { $"[BatchNorm(8, 3, Momentum = double.NaN)] public static partial void Bn({Io});", "FN0015", "Momentum = double.NaN" },
        { $"[BatchNorm(8, 3, Mode = BatchNormMode.Inference)] public static partial void Bn({Io}, ReadOnlySpan<float> runningVar);", "FN0021", $"({Io}, ReadOnlySpan<float> runningVar)" },
        { $"[BatchNorm(8, 3, Mode = BatchNormMode.Inference)] public static partial void Bn({Io});", "FN0021", $"({Io})" },
        { $"[BatchNorm(8, 3)] public static partial void Bn({Io}, ReadOnlySpan<float> runningMean, Span<float> runningVar);", "FN0010", "ReadOnlySpan<float> runningMean" },
        { $"[BatchNorm(8, 3)] public static partial void Bn({Io}, Span<float> runningMean);", "FN0016", "Span<float> runningMean" },
        { $"[BatchNorm(8, 3, Mode = BatchNormMode.Inference)] public static partial void Bn({Io}, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> mean);", "FN0019", "Span<float> mean" },
        { $"[BatchNorm(1, 3)] public static partial void Bn({Io});", "FN0017", "BatchNorm(1, 3)" },
        { $"[BatchNorm(1, 3, 1, 1)] public static partial void Bn({Io});", "FN0017", "BatchNorm(1, 3, 1, 1)" },
        { $"[BatchNorm(8, 3, Mode = (BatchNormMode)7)] public static partial void Bn({Io});", "FN0018", "Mode = (BatchNormMode)7" },
        { $"[BatchNorm(8, 3, RunningVariance = (BatchNormRunningVariance)2)] public static partial void Bn({Io});", "FN0018", "RunningVariance = (BatchNormRunningVariance)2" },
        { $"[BatchNorm(8)] public static partial void Bn({Io});", "FN0020", "BatchNorm(8)" },
        { $"[BatchNorm()] public static partial void Bn({Io});", "FN0001", "BatchNorm()" },
        { $"[BatchNorm(8, 0)] public static partial void Bn({Io});", "FN0002", "0" },
        { $"[BatchNorm(8, 3, Epsilon = 0)] public static partial void Bn({Io});", "FN0004", "Epsilon = 0" },
        { $"[BatchNorm(8, 3)] public static partial void Bn({Io}, ReadOnlySpan<float> gamma);", "FN0008", "ReadOnlySpan<float> gamma" },
        { $"[BatchNorm(8, 3)] public static partial void Bn(ReadOnlySpan<double> input, Span<float> output);", "FN0011", "Span<float> output" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ReportsExactlyOneErrorAtTheMistake(string declaration, string id, string located)
    {
        string source = Wrap(declaration);
        GeneratorOutput output = GeneratorHarness.Run(source);

        Diagnostic diagnostic = Assert.Single(output.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(located, source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
        Assert.Equal("", GeneratorHarness.Format(output.CompilationDiagnostics.Where(d => d.Id != id)));
    }

    [Fact]
    public void InferenceAcceptsOneValuePerChannel()
    {
        GeneratorOutput output = GeneratorHarness.Run(Wrap(
            "[BatchNorm(1, 3, Mode = BatchNormMode.Inference)] public static partial void Bn(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar);"));
        Assert.Empty(output.GeneratorDiagnostics);
        Assert.Empty(output.CompilationDiagnostics);
    }

    [Fact]
    public void InvalidDeclarations() => SourceSnapshots.MatchDiagnostics(GeneratorHarness.Run(Wrap($"""
        [BatchNorm(8, 3, ChannelAxis = 2)] public static partial void BadAxis({Io});
            [BatchNorm(8, 3, Momentum = 1.5)] public static partial void BadMomentum({Io});
            [BatchNorm(8, 3, Mode = BatchNormMode.Inference)] public static partial void NoRunning({Io});
            [BatchNorm(8, 3)] public static partial void ReadOnlyRunning({Io}, ReadOnlySpan<float> runningMean, Span<float> runningVar);
            [BatchNorm(8, 3)] public static partial void Unpaired({Io}, Span<float> runningVar);
            [BatchNorm(8, 3, Mode = BatchNormMode.Inference)] public static partial void StatisticsInInference({Io}, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> rstd);
            [BatchNorm(1, 3)] public static partial void OneValue({Io});
        """)));

    private static string Wrap(string declaration) => $$"""
        using System;
        using FixedNorm;

        namespace Demo;

        public partial class Layers
        {
            {{declaration}}
        }
        """;
}

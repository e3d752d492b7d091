using FixedNorm.Tests.Infrastructure;

namespace FixedNorm.Tests.Generator;

/// <summary>Emitted code stays small for any shape: only loop trip counts grow with it.</summary>
public sealed class BoundedOutputTests
{
    private const int MaxCharacters = 100_000;

    [Theory]
    [InlineData("[LayerNorm(4096, 4096)]", "float")]
    [InlineData("[LayerNorm(2147483647)]", "float")]
    [InlineData("[LayerNorm(2, 1073741823)]", "double")]
    [InlineData("[LayerNorm(1073741823, 2)]", "float")]
    [InlineData("[LayerNorm(65535, 32767, Axis = 0)]", "float")]
    [InlineData("[LayerNorm(7, 7, 7, 7, 7, 7, 7, 7, 7, 7)]", "double")]
    [InlineData("[LayerNorm(128)]", "float")]
    public void LayerNormStaysSmall(string attribute, string type) => AssertSmall(
        $"{attribute} public static partial void K(ReadOnlySpan<{type}> input, ReadOnlySpan<{type}> weight, ReadOnlySpan<{type}> bias, Span<{type}> output, Span<{type}> mean, Span<{type}> rstd);");

    [Theory]
    [InlineData("[BatchNorm(4096, 4096)]", "float")]
    [InlineData("[BatchNorm(2, 1073741823)]", "float")]
    [InlineData("[BatchNorm(1073741823, 2)]", "double")]
    [InlineData("[BatchNorm(2, 1024, 1048575)]", "float")]
    [InlineData("[BatchNorm(1048575, 2, 1024)]", "float")]
    [InlineData("[BatchNorm(16, 32, 32, 4093, ChannelAxis = -1)]", "float")]
    [InlineData("[BatchNorm(2, 65535, 3)]", "double")]
    public void BatchNormStaysSmall(string attribute, string type) => AssertSmall(
        $"{attribute} public static partial void K(ReadOnlySpan<{type}> input, ReadOnlySpan<{type}> weight, ReadOnlySpan<{type}> bias, Span<{type}> runningMean, Span<{type}> runningVar, Span<{type}> output, Span<{type}> mean, Span<{type}> rstd);");

    private static void AssertSmall(string declaration)
    {
        GeneratorOutput output = GeneratorHarness.Run($$"""
            using System;
            using FixedNorm;
            public static partial class Kernels
            {
                {{declaration}}
            }
            """);
        Assert.Empty(output.GeneratorDiagnostics);
        Assert.Empty(output.CompilationDiagnostics);
        (string _, string source) = Assert.Single(output.Sources);
        Assert.InRange(source.Length, 1, MaxCharacters);
    }
}

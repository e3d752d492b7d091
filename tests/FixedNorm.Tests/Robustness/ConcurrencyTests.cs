using FixedNorm.Tests.Infrastructure;
using FixedNorm.Tests.Kernels;

namespace FixedNorm.Tests.Robustness;

/// <summary>Kernels hold no state, and the generator's output does not depend on what else runs at the same time.</summary>
public sealed class ConcurrencyTests
{
    [Fact]
    public void ManyThreadsCallingTheSameKernelsGetIdenticalResults()
    {
        float[] input = Enumerable.Range(0, 32 * 64 * 128).Select(i => (float)Math.Sin(i * 0.01)).ToArray();
        float[] weight = Enumerable.Range(0, 64).Select(i => 1 + (0.01f * i)).ToArray();
        float[] expected = new float[input.Length];
        float[] expectedMean = new float[64], expectedVar = Enumerable.Repeat(1f, 64).ToArray();
        BatchNormKernels.TrainNcl(input, weight, weight, expectedMean, expectedVar, expected);
        float[] weight768 = Enumerable.Range(0, 768).Select(i => 1 + (0.001f * i)).ToArray();
        float[] expectedNorm = new float[1536];
        TestKernels.Affine768(input.AsSpan(0, 1536), weight768, weight768, expectedNorm);

        Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            var output = new float[input.Length];
            float[] mean = new float[64], variance = Enumerable.Repeat(1f, 64).ToArray();
            BatchNormKernels.TrainNcl(input, weight, weight, mean, variance, output);
            Assert.Equal(expected, output);
            Assert.Equal(expectedMean, mean);
            Assert.Equal(expectedVar, variance);

            var norm = new float[1536];
            TestKernels.Affine768(input.AsSpan(0, 1536), weight768, weight768, norm);
            Assert.Equal(expectedNorm, norm);
        });
    }

    [Fact]
    public void TwoGeneratorRunsInParallelGiveByteIdenticalOutput()
    {
        const string source = """
            using System;
            using FixedNorm;
            public static partial class K
            {
                [LayerNorm(16, 33)] public static partial void A(ReadOnlySpan<float> input, Span<float> output);
                [BatchNorm(32, 64, 128)] public static partial void B(ReadOnlySpan<float> input, Span<float> output, Span<float> runningMean, Span<float> runningVar);
                [BatchNorm(4, 4, 3, ChannelAxis = -1)] public static partial void C(ReadOnlySpan<double> input, Span<double> output);
                [LayerNorm(8, 0)] public static partial void D(ReadOnlySpan<float> input, Span<float> output);
            }
            """;
        GeneratorOutput[] runs = new GeneratorOutput[8];
        Parallel.For(0, runs.Length, i => runs[i] = GeneratorHarness.Run(source));
        Assert.All(runs, run => Assert.Equal(runs[0].Sources, run.Sources));
        Assert.All(runs, run => Assert.Equal(GeneratorHarness.Format(runs[0].GeneratorDiagnostics), GeneratorHarness.Format(run.GeneratorDiagnostics)));
    }
}

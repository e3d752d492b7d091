using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace FixedNorm.Benchmarks;

/// <summary>
/// <c>--small-shapes</c>: the generated kernel against the naive peer on small shapes beyond the suite's, one
/// Stopwatch loop each (no BenchmarkDotNet: 50 kernels and their peers in about 25 s). Each pair is checked to agree first, then
/// both are called for 100 ms to reach tier 1, then timed in 11 rounds, interleaved; the medians are printed and
/// written to BenchmarkDotNet.Artifacts/results/small-shapes.md. A check on the plans the generator picks for shapes
/// no issue names: a plan that loses to plain loops shows up here.
/// </summary>
public static class SmallShapes
{
    private delegate void LayerNormKernel(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output);

    private delegate void InferenceKernel(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);

    private delegate void TrainingKernel(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> runningMean, Span<float> runningVar, Span<float> output);

    private sealed record Case(string Label, int Elements, Action Generated, Action Naive, Func<float[]> GeneratedOutput, Func<float[]> NaiveOutput);

    public static bool Run()
    {
        Case[] cases =
        [
        LayerNorm("LayerNorm [4, 4]", 4, 4, SmallShapeKernels.LayerNorm4x4),
        LayerNorm("LayerNorm [3, 5]", 3, 5, SmallShapeKernels.LayerNorm3x5),
        LayerNorm("LayerNorm [3, 8]", 3, 8, SmallShapeKernels.LayerNorm3x8),
        LayerNorm("LayerNorm [5, 7]", 5, 7, SmallShapeKernels.LayerNorm5x7),
        LayerNorm("LayerNorm [2, 9]", 2, 9, SmallShapeKernels.LayerNorm2x9),
        LayerNorm("LayerNorm [8, 5]", 8, 5, SmallShapeKernels.LayerNorm8x5),
        LayerNorm("LayerNorm [8, 8]", 8, 8, SmallShapeKernels.LayerNorm8x8),
        LayerNorm("LayerNorm [16, 3]", 16, 3, SmallShapeKernels.LayerNorm16x3),
        LayerNorm("LayerNorm [2, 16]", 2, 16, SmallShapeKernels.LayerNorm2x16),
        LayerNorm("LayerNorm [12, 12]", 12, 12, SmallShapeKernels.LayerNorm12x12),
        LayerNorm("LayerNorm [16, 10]", 16, 10, SmallShapeKernels.LayerNorm16x10),
        LayerNorm("LayerNorm [64, 12]", 64, 12, SmallShapeKernels.LayerNorm64x12),
        LayerNorm("LayerNorm [16, 16]", 16, 16, SmallShapeKernels.LayerNorm16x16),
        LayerNorm("LayerNorm [8, 24]", 8, 24, SmallShapeKernels.LayerNorm8x24),
        BatchNormInference("BatchNorm inference [4, 3]", 4, 3, SmallShapeKernels.BatchNormInference4x3),
        BatchNormTraining("BatchNorm training [4, 3]", 4, 3, SmallShapeKernels.BatchNormTraining4x3),
        BatchNormInference("BatchNorm inference [10, 3]", 10, 3, SmallShapeKernels.BatchNormInference10x3),
        BatchNormTraining("BatchNorm training [10, 3]", 10, 3, SmallShapeKernels.BatchNormTraining10x3),
        BatchNormInference("BatchNorm inference [16, 3]", 16, 3, SmallShapeKernels.BatchNormInference16x3),
        BatchNormTraining("BatchNorm training [16, 3]", 16, 3, SmallShapeKernels.BatchNormTraining16x3),
        BatchNormInference("BatchNorm inference [64, 3]", 64, 3, SmallShapeKernels.BatchNormInference64x3),
        BatchNormTraining("BatchNorm training [64, 3]", 64, 3, SmallShapeKernels.BatchNormTraining64x3),
        BatchNormInference("BatchNorm inference [256, 3]", 256, 3, SmallShapeKernels.BatchNormInference256x3),
        BatchNormTraining("BatchNorm training [256, 3]", 256, 3, SmallShapeKernels.BatchNormTraining256x3),
        BatchNormInference("BatchNorm inference [256, 1]", 256, 1, SmallShapeKernels.BatchNormInference256x1),
        BatchNormTraining("BatchNorm training [256, 1]", 256, 1, SmallShapeKernels.BatchNormTraining256x1),
        BatchNormInference("BatchNorm inference [1024, 2]", 1024, 2, SmallShapeKernels.BatchNormInference1024x2),
        BatchNormTraining("BatchNorm training [1024, 2]", 1024, 2, SmallShapeKernels.BatchNormTraining1024x2),
        BatchNormInference("BatchNorm inference [4, 7]", 4, 7, SmallShapeKernels.BatchNormInference4x7),
        BatchNormTraining("BatchNorm training [4, 7]", 4, 7, SmallShapeKernels.BatchNormTraining4x7),
        BatchNormInference("BatchNorm inference [5, 5]", 5, 5, SmallShapeKernels.BatchNormInference5x5),
        BatchNormTraining("BatchNorm training [5, 5]", 5, 5, SmallShapeKernels.BatchNormTraining5x5),
        BatchNormInference("BatchNorm inference [8, 5]", 8, 5, SmallShapeKernels.BatchNormInference8x5),
        BatchNormTraining("BatchNorm training [8, 5]", 8, 5, SmallShapeKernels.BatchNormTraining8x5),
        BatchNormInference("BatchNorm inference [8, 8]", 8, 8, SmallShapeKernels.BatchNormInference8x8),
        BatchNormTraining("BatchNorm training [8, 8]", 8, 8, SmallShapeKernels.BatchNormTraining8x8),
        BatchNormInference("BatchNorm inference [32, 4]", 32, 4, SmallShapeKernels.BatchNormInference32x4),
        BatchNormTraining("BatchNorm training [32, 4]", 32, 4, SmallShapeKernels.BatchNormTraining32x4),
        BatchNormInference("BatchNorm inference [8, 16]", 8, 16, SmallShapeKernels.BatchNormInference8x16),
        BatchNormTraining("BatchNorm training [8, 16]", 8, 16, SmallShapeKernels.BatchNormTraining8x16),
        BatchNormInference("BatchNorm inference [2, 64]", 2, 64, SmallShapeKernels.BatchNormInference2x64),
        BatchNormTraining("BatchNorm training [2, 64]", 2, 64, SmallShapeKernels.BatchNormTraining2x64),
        BatchNormInference("BatchNorm inference [128, 8]", 128, 8, SmallShapeKernels.BatchNormInference128x8),
        BatchNormTraining("BatchNorm training [128, 8]", 128, 8, SmallShapeKernels.BatchNormTraining128x8),
        BatchNormInference("BatchNorm inference [16, 3, 7]", 16, 3, 7, SmallShapeKernels.BatchNormInference16x3x7),
        BatchNormTraining("BatchNorm training [16, 3, 7]", 16, 3, 7, SmallShapeKernels.BatchNormTraining16x3x7),
        BatchNormInference("BatchNorm inference [128, 2, 2]", 128, 2, 2, SmallShapeKernels.BatchNormInference128x2x2),
        BatchNormTraining("BatchNorm training [128, 2, 2]", 128, 2, 2, SmallShapeKernels.BatchNormTraining128x2x2),
        BatchNormInference("BatchNorm inference [32, 16, 10]", 32, 16, 10, SmallShapeKernels.BatchNormInference32x16x10),
        BatchNormTraining("BatchNorm training [32, 16, 10]", 32, 16, 10, SmallShapeKernels.BatchNormTraining32x16x10),
        ];

        foreach (Case c in cases)
        {
            float[] expected = c.NaiveOutput(), actual = c.GeneratedOutput();
            double worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
            if (worst > 1e-4)
            {
                Console.WriteLine($"CHECK FAILED: {c.Label}: the generated kernel and the naive peer differ by {worst:E2}.");
                return false;
            }
        }

        var table = new StringBuilder();
        table.AppendLine("| kernel | generated ns | naive ns | naive/generated |");
        table.AppendLine("|---|---:|---:|---:|");
        foreach (Case c in cases)
        {
            (double generated, double naive) = Time(c);
            table.AppendLine(CultureInfo.InvariantCulture, $"| {c.Label} | {generated:F1} | {naive:F1} | {naive / generated:F2} |");
        }

        Console.WriteLine();
        Console.Write(table);
        string directory = Path.Combine("BenchmarkDotNet.Artifacts", "results");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "small-shapes.md"), table.ToString());
        return true;
    }

    private static (double Generated, double Naive) Time(Case c)
    {
        Action[] peers = [c.Generated, c.Naive];
        foreach (Action peer in peers)
        {
            var warmup = Stopwatch.StartNew();
            while (warmup.ElapsedMilliseconds < 100)
            {
                peer();
            }
        }

        int calls = Math.Max(2_000, 2_000_000 / c.Elements);
        var rounds = new List<double>[] { [], [] };
        for (int round = 0; round < 11; round++)
        {
            for (int p = 0; p < peers.Length; p++)
            {
                var clock = Stopwatch.StartNew();
                for (int i = 0; i < calls; i++)
                {
                    peers[p]();
                }

                rounds[p].Add(clock.Elapsed.TotalNanoseconds / calls);
            }
        }

        return (Median(rounds[0]), Median(rounds[1]));
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    private static float[] Values(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 4) - 1))];
    }

    private static Case LayerNorm(string label, int rows, int features, LayerNormKernel kernel)
    {
        float[] x = Values(rows * features, 1), w = Values(features, 2), b = Values(features, 3);
        float[] y = new float[x.Length], yNaive = new float[x.Length];
        return new Case(label, x.Length,
            () => kernel(x, w, b, y),
            () => NaivePeers.LayerNorm(x, w, b, yNaive, rows, features, 1e-5f),
            () => { kernel(x, w, b, y); return y; },
            () => { NaivePeers.LayerNorm(x, w, b, yNaive, rows, features, 1e-5f); return yNaive; });
    }

    private static Case BatchNormInference(string label, int rows, int channels, InferenceKernel kernel) =>
        BatchNormInference(label, rows, channels, 1, kernel);

    private static Case BatchNormTraining(string label, int rows, int channels, TrainingKernel kernel) =>
        BatchNormTraining(label, rows, channels, 1, kernel);

    private static Case BatchNormInference(string label, int rows, int channels, int inner, InferenceKernel kernel)
    {
        float[] x = Values(rows * channels * inner, 1), w = Values(channels, 2), b = Values(channels, 3), mean = Values(channels, 4);
        float[] variance = [.. Values(channels, 5).Select(v => v + 2)];
        float[] y = new float[x.Length], yNaive = new float[x.Length];
        return new Case(label, x.Length,
            () => kernel(x, w, b, mean, variance, y),
            () => NaivePeers.BatchNormInference(x, w, b, mean, variance, yNaive, rows, channels, inner, 1e-5f),
            () => { kernel(x, w, b, mean, variance, y); return y; },
            () => { NaivePeers.BatchNormInference(x, w, b, mean, variance, yNaive, rows, channels, inner, 1e-5f); return yNaive; });
    }

    private static Case BatchNormTraining(string label, int rows, int channels, int inner, TrainingKernel kernel)
    {
        float[] x = Values(rows * channels * inner, 1), w = Values(channels, 2), b = Values(channels, 3);
        float[] mean = new float[channels], variance = new float[channels], meanNaive = new float[channels], varianceNaive = new float[channels];
        float[] y = new float[x.Length], yNaive = new float[x.Length];
        return new Case(label, x.Length,
            () => kernel(x, w, b, mean, variance, y),
            () => NaivePeers.BatchNormTraining(x, w, b, meanNaive, varianceNaive, yNaive, rows, channels, inner, 1e-5f, 0.1f),
            () => { kernel(x, w, b, mean, variance, y); return [.. y, .. mean, .. variance]; },
            () => { NaivePeers.BatchNormTraining(x, w, b, meanNaive, varianceNaive, yNaive, rows, channels, inner, 1e-5f, 0.1f); return [.. yNaive, .. meanNaive, .. varianceNaive]; });
    }
}

/// <summary>The kernels <see cref="SmallShapes"/> times: affine LayerNorm; BatchNorm with population running variance, as the naive peer.</summary>
public static partial class SmallShapeKernels
{
    [LayerNorm(4, 4)]
    public static partial void LayerNorm4x4(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output);

    [LayerNorm(3, 5)]
    public static partial void LayerNorm3x5(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output);

    [LayerNorm(3, 8)]
    public static partial void LayerNorm3x8(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output);

    [LayerNorm(5, 7)]
    public static partial void LayerNorm5x7(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output);

    [LayerNorm(2, 9)]
    public static partial void LayerNorm2x9(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output);

    [LayerNorm(8, 5)]
    public static partial void LayerNorm8x5(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output);

    [LayerNorm(8, 8)]
    public static partial void LayerNorm8x8(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output);

    [LayerNorm(16, 3)]
    public static partial void LayerNorm16x3(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output);

    [LayerNorm(2, 16)]
    public static partial void LayerNorm2x16(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output);

    [LayerNorm(12, 12)]
    public static partial void LayerNorm12x12(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output);

    [LayerNorm(16, 10)]
    public static partial void LayerNorm16x10(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output);

    [LayerNorm(64, 12)]
    public static partial void LayerNorm64x12(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output);

    [LayerNorm(16, 16)]
    public static partial void LayerNorm16x16(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output);

    [LayerNorm(8, 24)]
    public static partial void LayerNorm8x24(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output);

    [BatchNorm(4, 3, Mode = BatchNormMode.Inference)]
    public static partial void BatchNormInference4x3(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);

    [BatchNorm(4, 3, RunningVariance = BatchNormRunningVariance.Population)]
    public static partial void BatchNormTraining4x3(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> runningMean, Span<float> runningVar, Span<float> output);

    [BatchNorm(10, 3, Mode = BatchNormMode.Inference)]
    public static partial void BatchNormInference10x3(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);

    [BatchNorm(10, 3, RunningVariance = BatchNormRunningVariance.Population)]
    public static partial void BatchNormTraining10x3(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> runningMean, Span<float> runningVar, Span<float> output);

    [BatchNorm(16, 3, Mode = BatchNormMode.Inference)]
    public static partial void BatchNormInference16x3(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);

    [BatchNorm(16, 3, RunningVariance = BatchNormRunningVariance.Population)]
    public static partial void BatchNormTraining16x3(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> runningMean, Span<float> runningVar, Span<float> output);

    [BatchNorm(64, 3, Mode = BatchNormMode.Inference)]
    public static partial void BatchNormInference64x3(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);

    [BatchNorm(64, 3, RunningVariance = BatchNormRunningVariance.Population)]
    public static partial void BatchNormTraining64x3(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> runningMean, Span<float> runningVar, Span<float> output);

    [BatchNorm(256, 3, Mode = BatchNormMode.Inference)]
    public static partial void BatchNormInference256x3(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);

    [BatchNorm(256, 3, RunningVariance = BatchNormRunningVariance.Population)]
    public static partial void BatchNormTraining256x3(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> runningMean, Span<float> runningVar, Span<float> output);

    [BatchNorm(256, 1, Mode = BatchNormMode.Inference)]
    public static partial void BatchNormInference256x1(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);

    [BatchNorm(256, 1, RunningVariance = BatchNormRunningVariance.Population)]
    public static partial void BatchNormTraining256x1(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> runningMean, Span<float> runningVar, Span<float> output);

    [BatchNorm(1024, 2, Mode = BatchNormMode.Inference)]
    public static partial void BatchNormInference1024x2(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);

    [BatchNorm(1024, 2, RunningVariance = BatchNormRunningVariance.Population)]
    public static partial void BatchNormTraining1024x2(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> runningMean, Span<float> runningVar, Span<float> output);

    [BatchNorm(4, 7, Mode = BatchNormMode.Inference)]
    public static partial void BatchNormInference4x7(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);

    [BatchNorm(4, 7, RunningVariance = BatchNormRunningVariance.Population)]
    public static partial void BatchNormTraining4x7(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> runningMean, Span<float> runningVar, Span<float> output);

    [BatchNorm(5, 5, Mode = BatchNormMode.Inference)]
    public static partial void BatchNormInference5x5(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);

    [BatchNorm(5, 5, RunningVariance = BatchNormRunningVariance.Population)]
    public static partial void BatchNormTraining5x5(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> runningMean, Span<float> runningVar, Span<float> output);

    [BatchNorm(8, 5, Mode = BatchNormMode.Inference)]
    public static partial void BatchNormInference8x5(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);

    [BatchNorm(8, 5, RunningVariance = BatchNormRunningVariance.Population)]
    public static partial void BatchNormTraining8x5(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> runningMean, Span<float> runningVar, Span<float> output);

    [BatchNorm(8, 8, Mode = BatchNormMode.Inference)]
    public static partial void BatchNormInference8x8(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);

    [BatchNorm(8, 8, RunningVariance = BatchNormRunningVariance.Population)]
    public static partial void BatchNormTraining8x8(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> runningMean, Span<float> runningVar, Span<float> output);

    [BatchNorm(32, 4, Mode = BatchNormMode.Inference)]
    public static partial void BatchNormInference32x4(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);

    [BatchNorm(32, 4, RunningVariance = BatchNormRunningVariance.Population)]
    public static partial void BatchNormTraining32x4(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> runningMean, Span<float> runningVar, Span<float> output);

    [BatchNorm(8, 16, Mode = BatchNormMode.Inference)]
    public static partial void BatchNormInference8x16(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);

    [BatchNorm(8, 16, RunningVariance = BatchNormRunningVariance.Population)]
    public static partial void BatchNormTraining8x16(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> runningMean, Span<float> runningVar, Span<float> output);

    [BatchNorm(2, 64, Mode = BatchNormMode.Inference)]
    public static partial void BatchNormInference2x64(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);

    [BatchNorm(2, 64, RunningVariance = BatchNormRunningVariance.Population)]
    public static partial void BatchNormTraining2x64(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> runningMean, Span<float> runningVar, Span<float> output);

    [BatchNorm(128, 8, Mode = BatchNormMode.Inference)]
    public static partial void BatchNormInference128x8(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);

    [BatchNorm(128, 8, RunningVariance = BatchNormRunningVariance.Population)]
    public static partial void BatchNormTraining128x8(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> runningMean, Span<float> runningVar, Span<float> output);

    [BatchNorm(16, 3, 7, Mode = BatchNormMode.Inference)]
    public static partial void BatchNormInference16x3x7(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);

    [BatchNorm(16, 3, 7, RunningVariance = BatchNormRunningVariance.Population)]
    public static partial void BatchNormTraining16x3x7(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> runningMean, Span<float> runningVar, Span<float> output);

    [BatchNorm(128, 2, 2, Mode = BatchNormMode.Inference)]
    public static partial void BatchNormInference128x2x2(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);

    [BatchNorm(128, 2, 2, RunningVariance = BatchNormRunningVariance.Population)]
    public static partial void BatchNormTraining128x2x2(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> runningMean, Span<float> runningVar, Span<float> output);

    [BatchNorm(32, 16, 10, Mode = BatchNormMode.Inference)]
    public static partial void BatchNormInference32x16x10(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> output);

    [BatchNorm(32, 16, 10, RunningVariance = BatchNormRunningVariance.Population)]
    public static partial void BatchNormTraining32x16x10(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> runningMean, Span<float> runningVar, Span<float> output);
}

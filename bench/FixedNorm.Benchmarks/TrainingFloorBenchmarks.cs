using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;

namespace FixedNorm.Benchmarks;

/// <summary>
/// What bounds gen/CopyTo on BatchNorm training [32, 64, 128]: a kernel as exact as PyTorch adds every value of x into a
/// double accumulator (<see cref="DoubleSumsPass"/>), then writes y from x (<see cref="FloorPasses.ScaleShift"/>, the
/// least a store pass does). <see cref="FloatSumsPass"/> is the same reading and adding in float, to show what the
/// widening to double costs. Written plainly and run alone on the benchmark's own arrays; not kernels.
/// </summary>
[GenericTypeArguments(typeof(BatchNorm32x64x128))]
public class TrainingFloorBenchmarks<TCase>
    where TCase : struct, IBatchNormCase
{
    private BatchNormWorkspace<TCase> _workspace = null!;

    public static string Label => $"BatchNorm training {TCase.Label}";

    [GlobalSetup]
    public void Setup()
    {
        _workspace = new BatchNormWorkspace<TCase>(training: true);
        TrainingFloorPasses.Check(_workspace.Input);
    }

    [GlobalCleanup]
    public void Cleanup() => _workspace.Dispose();

    [Benchmark(Baseline = true)]
    public void Generated() => _workspace.GeneratedTraining();

    [Benchmark]
    public void CopyTo() => _workspace.CopyTo();

    [Benchmark]
    public double DoubleSumsPass() => TrainingFloorPasses.DoubleSums(_workspace.Input);

    [Benchmark]
    public float FloatSumsPass() => TrainingFloorPasses.FloatSums(_workspace.Input);

    [Benchmark]
    public void ScaleShiftPass() => FloorPasses.ScaleShift(_workspace.Input, _workspace.Output, 1.5f, 0.25f);
}

/// <summary>The sums of <see cref="TrainingFloorBenchmarks{TCase}"/>: Vector512, 64 floats a step, no tail.</summary>
public static class TrainingFloorPasses
{
    /// <summary>
    /// Every value added into double lanes, as the generated statistics pass adds them (each Vector512 of floats widened
    /// to two Vector512 of doubles), with no squares and no per-channel bookkeeping.
    /// </summary>
    public static double DoubleSums(float[] input)
    {
        ref float x = ref MemoryMarshal.GetArrayDataReference(input);
        Vector512<double> s0 = default, s1 = default, s2 = default, s3 = default;
        for (nuint i = 0; i < (nuint)input.Length; i += Step)
        {
            var a0 = Vector512.LoadUnsafe(ref x, i);
            var a1 = Vector512.LoadUnsafe(ref x, i + 16);
            var a2 = Vector512.LoadUnsafe(ref x, i + 32);
            var a3 = Vector512.LoadUnsafe(ref x, i + 48);
            s0 += Vector512.WidenLower(a0);
            s1 += Vector512.WidenUpper(a0);
            s2 += Vector512.WidenLower(a1);
            s3 += Vector512.WidenUpper(a1);
            s0 += Vector512.WidenLower(a2);
            s1 += Vector512.WidenUpper(a2);
            s2 += Vector512.WidenLower(a3);
            s3 += Vector512.WidenUpper(a3);
        }

        return Vector512.Sum((s0 + s1) + (s2 + s3));
    }

    /// <summary>The same loads added in float lanes: the pass without the widening.</summary>
    public static float FloatSums(float[] input)
    {
        ref float x = ref MemoryMarshal.GetArrayDataReference(input);
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
        for (nuint i = 0; i < (nuint)input.Length; i += Step)
        {
            s0 += Vector512.LoadUnsafe(ref x, i);
            s1 += Vector512.LoadUnsafe(ref x, i + 16);
            s2 += Vector512.LoadUnsafe(ref x, i + 32);
            s3 += Vector512.LoadUnsafe(ref x, i + 48);
        }

        return Vector512.Sum((s0 + s1) + (s2 + s3));
    }

    private const int Step = 64;

    /// <summary>Both sums against a sequential double sum of the input.</summary>
    public static void Check(float[] input)
    {
        if (input.Length % Step != 0)
        {
            throw new InvalidOperationException($"training floor passes need whole {Step}-element blocks, not {input.Length}");
        }

        double expected = 0, magnitude = 0;
        foreach (float v in input)
        {
            expected += v;
            magnitude += Math.Abs(v);
        }

        double doubles = DoubleSums(input);
        float floats = FloatSums(input);
        if (Math.Abs(doubles - expected) > 1e-12 * magnitude || Math.Abs(floats - expected) > 1e-5 * magnitude)
        {
            throw new InvalidOperationException($"CHECK FAILED: training floor sums {doubles} and {floats}, expected {expected}");
        }
    }
}

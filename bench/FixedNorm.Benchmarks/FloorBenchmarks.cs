using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;

namespace FixedNorm.Benchmarks;

/// <summary>
/// What bounds gen/CopyTo on LayerNorm shapes in cache: each pass a LayerNorm kernel needs, written plainly and run
/// alone on the benchmark's own arrays. Any LayerNorm reads x for its statistics (<see cref="StatisticsPass"/>), then
/// writes y from x, weight and bias (<see cref="AffinePass"/>); <see cref="ScaleShiftPass"/> is that store pass without
/// weight and bias, the least a pass that computes y from x can do. The passes load from wherever the arrays are (the
/// generated aligned plan does better than <see cref="AffinePass"/> on [64, 768] by aligning its loads). Not kernels:
/// GlobalSetup checks each pass's own arithmetic, not LayerNorm.
/// </summary>
[GenericTypeArguments(typeof(LayerNorm64x768))]
[GenericTypeArguments(typeof(LayerNorm32x4096))]
public class FloorBenchmarks<TCase>
    where TCase : struct, ILayerNormCase
{
    private LayerNormWorkspace<TCase> _workspace = null!;

    public static string Label => $"LayerNorm {TCase.Label}";

    [GlobalSetup]
    public void Setup()
    {
        _workspace = new LayerNormWorkspace<TCase>();
        FloorPasses.Check(_workspace.Input, _workspace.Weight, _workspace.Bias, _workspace.Output);
    }

    [GlobalCleanup]
    public void Cleanup() => _workspace.Dispose();

    [Benchmark(Baseline = true)]
    public void Generated() => _workspace.Generated();

    [Benchmark]
    public void CopyTo() => _workspace.CopyTo();

    [Benchmark]
    public float StatisticsPass() => FloorPasses.SumsOfRows(_workspace.Input, TCase.Features);

    [Benchmark]
    public void ScaleShiftPass() => FloorPasses.ScaleShift(_workspace.Input, _workspace.Output, 1.5f, 0.25f);

    [Benchmark]
    public void AffinePass() => FloorPasses.Affine(_workspace.Input, _workspace.Weight, _workspace.Bias, _workspace.Output);
}

/// <summary>The passes of <see cref="FloorBenchmarks{TCase}"/>: Vector512, no tails (rows are multiples of 128 elements).</summary>
public static class FloorPasses
{
    /// <summary>Each row's sum and sum of squares (what a statistics pass reads and adds), returned folded so nothing is dropped.</summary>
    public static float SumsOfRows(float[] input, int features)
    {
        ref float x = ref MemoryMarshal.GetArrayDataReference(input);
        float total = 0;
        for (int start = 0; start < input.Length; start += features)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default, q0 = default, q1 = default, q2 = default, q3 = default;
            for (nuint i = (nuint)start; i < (nuint)(start + features); i += 64)
            {
                var a0 = Vector512.LoadUnsafe(ref x, i);
                var a1 = Vector512.LoadUnsafe(ref x, i + 16);
                var a2 = Vector512.LoadUnsafe(ref x, i + 32);
                var a3 = Vector512.LoadUnsafe(ref x, i + 48);
                s0 += a0; s1 += a1; s2 += a2; s3 += a3;
                q0 = Vector512.FusedMultiplyAdd(a0, a0, q0);
                q1 = Vector512.FusedMultiplyAdd(a1, a1, q1);
                q2 = Vector512.FusedMultiplyAdd(a2, a2, q2);
                q3 = Vector512.FusedMultiplyAdd(a3, a3, q3);
            }

            total += Vector512.Sum((s0 + s1) + (s2 + s3)) + Vector512.Sum((q0 + q1) + (q2 + q3));
        }

        return total;
    }

    /// <summary>
    /// output = input * scale + shift: one load, one fused multiply-add and one store per vector; 8 vectors loaded before
    /// any is stored, as the kernels' store passes do (a load between stores waits on a store 4 KB apart: see
    /// Limits.StoreUnroll in the generator).
    /// </summary>
    public static void ScaleShift(float[] input, float[] output, float scale, float shift)
    {
        ref float x = ref MemoryMarshal.GetArrayDataReference(input);
        ref float y = ref MemoryMarshal.GetArrayDataReference(output);
        var s = Vector512.Create(scale);
        var t = Vector512.Create(shift);
        for (nuint i = 0; i < (nuint)input.Length; i += Step)
        {
            var a0 = Vector512.LoadUnsafe(ref x, i);
            var a1 = Vector512.LoadUnsafe(ref x, i + 16);
            var a2 = Vector512.LoadUnsafe(ref x, i + 32);
            var a3 = Vector512.LoadUnsafe(ref x, i + 48);
            var a4 = Vector512.LoadUnsafe(ref x, i + 64);
            var a5 = Vector512.LoadUnsafe(ref x, i + 80);
            var a6 = Vector512.LoadUnsafe(ref x, i + 96);
            var a7 = Vector512.LoadUnsafe(ref x, i + 112);
            Vector512.FusedMultiplyAdd(a0, s, t).StoreUnsafe(ref y, i);
            Vector512.FusedMultiplyAdd(a1, s, t).StoreUnsafe(ref y, i + 16);
            Vector512.FusedMultiplyAdd(a2, s, t).StoreUnsafe(ref y, i + 32);
            Vector512.FusedMultiplyAdd(a3, s, t).StoreUnsafe(ref y, i + 48);
            Vector512.FusedMultiplyAdd(a4, s, t).StoreUnsafe(ref y, i + 64);
            Vector512.FusedMultiplyAdd(a5, s, t).StoreUnsafe(ref y, i + 80);
            Vector512.FusedMultiplyAdd(a6, s, t).StoreUnsafe(ref y, i + 96);
            Vector512.FusedMultiplyAdd(a7, s, t).StoreUnsafe(ref y, i + 112);
        }
    }

    /// <summary>Each row of output = row of input * weight + bias: three loads, one fused multiply-add and one store per vector; x loaded 8 vectors ahead of the stores.</summary>
    public static void Affine(float[] input, float[] weight, float[] bias, float[] output)
    {
        ref float w = ref MemoryMarshal.GetArrayDataReference(weight);
        ref float b = ref MemoryMarshal.GetArrayDataReference(bias);
        for (int start = 0; start < input.Length; start += weight.Length)
        {
            ref float x = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(input), start);
            ref float y = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(output), start);
            for (nuint i = 0; i < (nuint)weight.Length; i += Step)
            {
                var a0 = Vector512.LoadUnsafe(ref x, i);
                var a1 = Vector512.LoadUnsafe(ref x, i + 16);
                var a2 = Vector512.LoadUnsafe(ref x, i + 32);
                var a3 = Vector512.LoadUnsafe(ref x, i + 48);
                var a4 = Vector512.LoadUnsafe(ref x, i + 64);
                var a5 = Vector512.LoadUnsafe(ref x, i + 80);
                var a6 = Vector512.LoadUnsafe(ref x, i + 96);
                var a7 = Vector512.LoadUnsafe(ref x, i + 112);
                Vector512.FusedMultiplyAdd(a0, Vector512.LoadUnsafe(ref w, i), Vector512.LoadUnsafe(ref b, i)).StoreUnsafe(ref y, i);
                Vector512.FusedMultiplyAdd(a1, Vector512.LoadUnsafe(ref w, i + 16), Vector512.LoadUnsafe(ref b, i + 16)).StoreUnsafe(ref y, i + 16);
                Vector512.FusedMultiplyAdd(a2, Vector512.LoadUnsafe(ref w, i + 32), Vector512.LoadUnsafe(ref b, i + 32)).StoreUnsafe(ref y, i + 32);
                Vector512.FusedMultiplyAdd(a3, Vector512.LoadUnsafe(ref w, i + 48), Vector512.LoadUnsafe(ref b, i + 48)).StoreUnsafe(ref y, i + 48);
                Vector512.FusedMultiplyAdd(a4, Vector512.LoadUnsafe(ref w, i + 64), Vector512.LoadUnsafe(ref b, i + 64)).StoreUnsafe(ref y, i + 64);
                Vector512.FusedMultiplyAdd(a5, Vector512.LoadUnsafe(ref w, i + 80), Vector512.LoadUnsafe(ref b, i + 80)).StoreUnsafe(ref y, i + 80);
                Vector512.FusedMultiplyAdd(a6, Vector512.LoadUnsafe(ref w, i + 96), Vector512.LoadUnsafe(ref b, i + 96)).StoreUnsafe(ref y, i + 96);
                Vector512.FusedMultiplyAdd(a7, Vector512.LoadUnsafe(ref w, i + 112), Vector512.LoadUnsafe(ref b, i + 112)).StoreUnsafe(ref y, i + 112);
            }
        }
    }

    /// <summary>Elements a store pass's loop step takes: 8 vectors.</summary>
    private const int Step = 128;

    /// <summary>Each pass against scalar arithmetic on the first and last elements (and the sums on the whole input).</summary>
    public static void Check(float[] input, float[] weight, float[] bias, float[] output)
    {
        int features = weight.Length;
        if (features % Step != 0 || input.Length % features != 0)
        {
            throw new InvalidOperationException($"floor passes need rows of whole {Step}-element blocks, not {features}");
        }

        int last = input.Length - 1;
        ScaleShift(input, output, 1.5f, 0.25f);
        Expect("ScaleShift", output[last], MathF.FusedMultiplyAdd(input[last], 1.5f, 0.25f));
        Affine(input, weight, bias, output);
        Expect("Affine", output[0], MathF.FusedMultiplyAdd(input[0], weight[0], bias[0]));
        Expect("Affine", output[last], MathF.FusedMultiplyAdd(input[last], weight[features - 1], bias[features - 1]));
        double sums = input.Sum(v => (double)v + ((double)v * v));
        float got = SumsOfRows(input, features);
        if (Math.Abs(got - sums) > 1e-4 * Math.Abs(sums))
        {
            throw new InvalidOperationException($"CHECK FAILED: floor SumsOfRows {got}, expected {sums}");
        }
    }

    private static void Expect(string pass, float got, float expected)
    {
        if (got != expected)
        {
            throw new InvalidOperationException($"CHECK FAILED: floor {pass} {got}, expected {expected}");
        }
    }
}

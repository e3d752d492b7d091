using System.Diagnostics;

namespace FixedNorm.Benchmarks;

/// <summary>Before anything is timed: every peer of every shape against the generated kernel.</summary>
public static class Preflight
{
    public static bool Run()
    {
        var clock = Stopwatch.StartNew();
        var rows = new List<(string Label, IReadOnlyList<PeerCheck> Checks, double[] Allocations)>();
        try
        {
            rows.Add(Check<LayerNorm8x3>());
            rows.Add(Check<LayerNorm64x768>());
            rows.Add(Check<LayerNorm32x4096>());
            rows.Add(Check<LayerNorm16384x768>());
            foreach (bool training in new[] { false, true })
            {
                rows.Add(Check<BatchNorm8x3>(training));
                rows.Add(Check<BatchNorm256x64>(training));
                rows.Add(Check<BatchNorm32x64x128>(training));
                rows.Add(Check<BatchNorm16x32x32x64ChannelsLast>(training));
            }
        }
        catch (InvalidOperationException exception)
        {
            Console.Error.WriteLine();
            Console.Error.WriteLine("CHECK FAILED: " + exception.Message);
            Console.Error.WriteLine("No benchmark was run.");
            return false;
        }

        Console.WriteLine($"Peer check: max |peer - generated| per shape (tolerance {Agreement.Tolerance:0e+00}), {clock.Elapsed.TotalSeconds:F1} s");
        Console.WriteLine($"  {"shape",-42} {"naive",10} {"TensorPrim.",12} {"ORT",10} {"ORT Run()",10}");
        foreach ((string label, IReadOnlyList<PeerCheck> checks, _) in rows)
        {
            Console.WriteLine($"  {label,-42} {checks[0].MaxDifference,10:0.0e+00} {checks[1].MaxDifference,12:0.0e+00} {checks[2].MaxDifference,10:0.0e+00} {checks[3].MaxDifference,10:0.0e+00}");
        }

        Console.WriteLine();
        Console.WriteLine($"Managed bytes allocated per call on the calling thread (exact, {AllocationProbe.Calls} calls after one)");
        Console.WriteLine($"  {"shape",-42} {"naive",7} {"TP",7} {"ORT",7} {"ORT Run()",10} {"gen",7} {"CopyTo",7}");
        foreach ((string label, _, double[] bytes) in rows)
        {
            Console.WriteLine($"  {label,-42} {bytes[0],7:0} {bytes[1],7:0} {bytes[2],7:0} {bytes[3],10:0} {bytes[4],7:0} {bytes[5],7:0}");
        }

        Console.WriteLine();
        return true;
    }

    /// <summary>Exact bytes per call of each peer (naive, TP, ORT, ORT session.Run, generated, CopyTo) by row label.</summary>
    public static IReadOnlyDictionary<string, double[]> Allocations() => new Dictionary<string, double[]>
    {
        [LayerNormBenchmarks<LayerNorm8x3>.Label] = Allocations<LayerNorm8x3>(),
        [LayerNormBenchmarks<LayerNorm64x768>.Label] = Allocations<LayerNorm64x768>(),
        [LayerNormBenchmarks<LayerNorm32x4096>.Label] = Allocations<LayerNorm32x4096>(),
        [LayerNormBenchmarks<LayerNorm16384x768>.Label] = Allocations<LayerNorm16384x768>(),
        [BatchNormInferenceBenchmarks<BatchNorm8x3>.Label] = Allocations<BatchNorm8x3>(training: false),
        [BatchNormInferenceBenchmarks<BatchNorm256x64>.Label] = Allocations<BatchNorm256x64>(training: false),
        [BatchNormInferenceBenchmarks<BatchNorm32x64x128>.Label] = Allocations<BatchNorm32x64x128>(training: false),
        [BatchNormInferenceBenchmarks<BatchNorm16x32x32x64ChannelsLast>.Label] = Allocations<BatchNorm16x32x32x64ChannelsLast>(training: false),
        [BatchNormTrainingBenchmarks<BatchNorm8x3>.Label] = Allocations<BatchNorm8x3>(training: true),
        [BatchNormTrainingBenchmarks<BatchNorm256x64>.Label] = Allocations<BatchNorm256x64>(training: true),
        [BatchNormTrainingBenchmarks<BatchNorm32x64x128>.Label] = Allocations<BatchNorm32x64x128>(training: true),
        [BatchNormTrainingBenchmarks<BatchNorm16x32x32x64ChannelsLast>.Label] = Allocations<BatchNorm16x32x32x64ChannelsLast>(training: true),
    };

    private static double[] Allocations<TCase>()
        where TCase : struct, ILayerNormCase
    {
        using var workspace = new LayerNormWorkspace<TCase>();
        return workspace.Allocations();
    }

    private static double[] Allocations<TCase>(bool training)
        where TCase : struct, IBatchNormCase
    {
        using var workspace = new BatchNormWorkspace<TCase>(training);
        return workspace.Allocations();
    }

    private static (string, IReadOnlyList<PeerCheck>, double[]) Check<TCase>()
        where TCase : struct, ILayerNormCase
    {
        using var workspace = new LayerNormWorkspace<TCase>();
        return (LayerNormBenchmarks<TCase>.Label, workspace.Validate(), workspace.Allocations());
    }

    private static (string, IReadOnlyList<PeerCheck>, double[]) Check<TCase>(bool training)
        where TCase : struct, IBatchNormCase
    {
        using var workspace = new BatchNormWorkspace<TCase>(training);
        return (training ? BatchNormTrainingBenchmarks<TCase>.Label : BatchNormInferenceBenchmarks<TCase>.Label, workspace.Validate(), workspace.Allocations());
    }
}

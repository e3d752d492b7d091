using System.Globalization;
using System.Reflection;
using System.Text;
using BenchmarkDotNet.Reports;

namespace FixedNorm.Benchmarks;

/// <summary>The table the issue asks for: median ns of each peer per shape, and the ratios to the generated kernel.</summary>
public static class RatioTable
{
    private static readonly Type[] NormTypes =
    [
        typeof(LayerNormBenchmarks<LayerNorm8x3>),
        typeof(LayerNormBenchmarks<LayerNorm64x768>),
        typeof(LayerNormBenchmarks<LayerNorm32x4096>),
        typeof(LayerNormBenchmarks<LayerNorm16384x768>),
        typeof(BatchNormInferenceBenchmarks<BatchNorm8x3>),
        typeof(BatchNormInferenceBenchmarks<BatchNorm256x64>),
        typeof(BatchNormInferenceBenchmarks<BatchNorm32x64x128>),
        typeof(BatchNormInferenceBenchmarks<BatchNorm16x32x32x64ChannelsLast>),
        typeof(BatchNormTrainingBenchmarks<BatchNorm8x3>),
        typeof(BatchNormTrainingBenchmarks<BatchNorm256x64>),
        typeof(BatchNormTrainingBenchmarks<BatchNorm32x64x128>),
        typeof(BatchNormTrainingBenchmarks<BatchNorm16x32x32x64ChannelsLast>),
    ];

    private static readonly Type[] FloorTypes = [typeof(FloorBenchmarks<LayerNorm64x768>), typeof(FloorBenchmarks<LayerNorm32x4096>)];

    private static readonly Type[] TrainingFloorTypes = [typeof(TrainingFloorBenchmarks<BatchNorm32x64x128>)];

    private static readonly string[] Peers = ["Naive", "TensorPrimitives", "OnnxRuntime", "Generated", "CopyTo", "OnnxRuntimeSessionRun"];

    /// <summary>Where each of <see cref="Peers"/> is in the workspaces' <c>Allocations()</c>.</summary>
    private static readonly int[] AllocationIndex = [0, 1, 2, 4, 5, 3];

    public static string Format(IEnumerable<Summary> summaries)
    {
        BenchmarkReport[] reports = [.. summaries.SelectMany(s => s.Reports)];
        var text = new StringBuilder();

        double? Median(Type type, string method) => reports
            .FirstOrDefault(r => r.BenchmarkCase.Descriptor.Type == type && r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method)
            ?.ResultStatistics?.Median;

        long? Allocated(Type type, string method) => reports
            .Where(r => r.BenchmarkCase.Descriptor.Type == type && r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method)
            .Select(r => r.GcStats.GetBytesAllocatedPerOperation(r.BenchmarkCase))
            .FirstOrDefault();

        Type[] measured = [.. NormTypes.Where(t => Peers.Any(p => Median(t, p) is not null))];
        if (measured.Length > 0)
        {
            text.AppendLine("Median ns per call (one thread) and ratios; > 1 in the x/generated columns means the generated kernel is faster.");
            text.AppendLine();
            text.AppendLine("| benchmark | naive | TensorPrimitives | ONNX Runtime | generated | CopyTo | naive/gen | TP/gen | ORT/gen | gen/CopyTo | ORT session.Run |");
            text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (Type type in measured)
            {
                double?[] m = [.. Peers.Select(p => Median(type, p))];
                double? generated = m[3];
                text.Append(CultureInfo.InvariantCulture, $"| {Label(type)} ");
                foreach (double? value in m[..5])
                {
                    text.Append(CultureInfo.InvariantCulture, $"| {Nanoseconds(value)} ");
                }

                text.Append(CultureInfo.InvariantCulture, $"| {Ratio(m[0], generated)} | {Ratio(m[1], generated)} | {Ratio(m[2], generated)} | {Ratio(generated, m[4])} | {Nanoseconds(m[5])} |");
                text.AppendLine();
            }

            // MemoryDiagnoser's in-process numbers also count what the harness allocates during an iteration (a few
            // hundred bytes over a benchmark of one or two calls per iteration); count each peer exactly instead.
            IReadOnlyDictionary<string, double[]> exact = Preflight.Allocations();
            string[] allocating = [.. measured
                .SelectMany(type => Peers
                    .Select((peer, i) => (Type: type, Label: Label(type), Peer: peer, Bytes: exact[Label(type)][AllocationIndex[i]])))
                .Where(a => a.Bytes > 0 && Median(a.Type, a.Peer) is not null)
                .Select(a => $"{a.Label} {a.Peer} {a.Bytes:0} B")];
            text.AppendLine();
            text.AppendLine(allocating.Length == 0
                ? "Managed bytes allocated per call (exact, calling thread): 0 for every peer."
                : "Managed bytes allocated per call (exact, calling thread), 0 for every other peer: " + string.Join("; ", allocating) + ".");
        }

        AppendFloors(
            text,
            FloorTypes,
            "Floors (FloorBenchmarks): each pass a LayerNorm kernel needs, written plainly and run alone on the same arrays (median ns).",
            [("statistics pass", "StatisticsPass"), ("x * s + t pass", "ScaleShiftPass"), ("x * w + b pass", "AffinePass")],
            Median);
        AppendFloors(
            text,
            TrainingFloorTypes,
            "Training floors (TrainingFloorBenchmarks): every value added in double lanes, as PyTorch's accumulator, then in float; y = x * s + t (median ns).",
            [("double sums", "DoubleSumsPass"), ("float sums", "FloatSumsPass"), ("x * s + t pass", "ScaleShiftPass")],
            Median,
            ("(double sums + x * s + t)/CopyTo", m => Ratio(m[2] + m[4], m[0])));

        double? first = Median(typeof(GeneratorBenchmarks), nameof(GeneratorBenchmarks.FirstRun));
        double? rerun = Median(typeof(GeneratorBenchmarks), nameof(GeneratorBenchmarks.RerunAfterUnrelatedEdit));
        if (first is not null || rerun is not null)
        {
            text.AppendLine();
            text.AppendLine($"Compile time: CSharpGeneratorDriver, {GeneratorBenchmarks.MethodCount} annotated methods in {GeneratorBenchmarks.FileCount} files (median).");
            text.AppendLine();
            text.AppendLine("| run | median | allocated |");
            text.AppendLine("|---|---:|---:|");
            text.AppendLine(CultureInfo.InvariantCulture, $"| first run (new driver, new compilation) | {Milliseconds(first)} | {Bytes(Allocated(typeof(GeneratorBenchmarks), nameof(GeneratorBenchmarks.FirstRun)))} |");
            text.AppendLine(CultureInfo.InvariantCulture, $"| re-run after an unrelated edit (cached) | {Milliseconds(rerun)} | {Bytes(Allocated(typeof(GeneratorBenchmarks), nameof(GeneratorBenchmarks.RerunAfterUnrelatedEdit)))} |");
            text.AppendLine();
            text.AppendLine(GeneratorBenchmarks.CachingReport.Length > 0 ? GeneratorBenchmarks.CachingReport : GeneratorBenchmarks.CheckCaching());
        }

        return text.ToString();
    }

    /// <summary>
    /// A floors table: per benchmark type, CopyTo, the kernel and each pass (column title, benchmark method), in ns and
    /// over CopyTo, and an optional last column computed from those times (CopyTo, kernel, passes...). Only the types
    /// this run measured; nothing when it measured none.
    /// </summary>
    private static void AppendFloors(
        StringBuilder text, Type[] floorTypes, string title, (string Title, string Method)[] passes, Func<Type, string, double?> median,
        (string Title, Func<double?[], string> Cell)? extra = null)
    {
        Type[] types = [.. floorTypes.Where(t => median(t, "CopyTo") is not null)];
        if (types.Length == 0)
        {
            return;
        }

        string[] titles = ["CopyTo", "generated", .. passes.Select(p => p.Title)];
        string[] columns = [.. titles, .. titles[1..].Select(t => $"{(t == "generated" ? "gen" : t.Replace(" pass", "", StringComparison.Ordinal))}/CopyTo"), .. extra is null ? [] : new[] { extra.Value.Title }];
        text.AppendLine();
        text.AppendLine(title);
        text.AppendLine();
        text.AppendLine($"| benchmark | {string.Join(" | ", columns)} |");
        text.AppendLine($"|---|{string.Concat(columns.Select(_ => "---:|"))}");
        foreach (Type type in types)
        {
            double?[] m = [.. new[] { "CopyTo", "Generated" }.Concat(passes.Select(p => p.Method)).Select(method => median(type, method))];
            text.Append(CultureInfo.InvariantCulture, $"| {Label(type)} ");
            foreach (double? value in m)
            {
                text.Append(CultureInfo.InvariantCulture, $"| {Nanoseconds(value)} ");
            }

            foreach (double? value in m[1..])
            {
                text.Append(CultureInfo.InvariantCulture, $"| {Ratio(value, m[0])} ");
            }

            text.AppendLine(extra is null ? "|" : $"| {extra.Value.Cell(m)} |");
        }
    }

    private static string Label(Type type) =>
        type.GetProperty("Label", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as string ?? type.Name;

    private static string Nanoseconds(double? ns) => ns switch
    {
        null => "n/a",
        < 100 => ns.Value.ToString("F1", CultureInfo.InvariantCulture),
        _ => ns.Value.ToString("N0", CultureInfo.InvariantCulture),
    };

    private static string Ratio(double? numerator, double? denominator) =>
        numerator is null || denominator is null or 0 ? "n/a" : (numerator.Value / denominator.Value).ToString("F2", CultureInfo.InvariantCulture);

    private static string Milliseconds(double? ns) =>
        ns is null ? "n/a" : (ns.Value / 1e6).ToString("F3", CultureInfo.InvariantCulture) + " ms";

    private static string Bytes(long? bytes) => bytes switch
    {
        null => "n/a",
        < 10_000 => $"{bytes} B",
        _ => (bytes.Value / 1024.0).ToString("N0", CultureInfo.InvariantCulture) + " KB",
    };
}

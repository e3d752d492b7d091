using FixedNorm.Generator.Model;
using FixedNorm.Generator.Planning;

namespace FixedNorm.Generator.Emitting;

/// <summary>
/// BatchNorm training across channels (Inner = 1: channels-last, (N, C)) in row order: every block of channels is in
/// registers at once, so the tensor is read twice in memory order (statistics, then normalize) and written once. When the
/// channels are not whole blocks, a last block ends at the last channel, overlapping the one before it: the channels
/// both hold come out the same from either (each lane on its own), and pass 2 loads a row's blocks before it stores any.
/// </summary>
internal static class RowOrderBatchNormEmitter
{
    /// <summary>Training with at most <see cref="Limits.RowOrderTrainingBlocksMax"/> blocks, counting an overlapping last one.</summary>
    public static bool AppliesToTraining(BatchNormSpec spec, SegmentLayout layout) =>
        spec.Training && layout.LoopIterations > 0 && Columns(layout).Length <= Limits.RowOrderTrainingBlocksMax;

    public static void EmitTraining(SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, SegmentLayout layout, TargetFeatures features)
    {
        string type = spec.Element.Keyword();
        string v = layout.Width.Class;
        int[] columns = Columns(layout);
        int[] blocks = Enumerable.Range(0, columns.Length).ToArray();
        bool overlaps = layout.After.Count > 0;
        string offset(int k) => Literals.Int(columns[k]);
        string rowsEnd = Literals.Int((long)plan.Outer * plan.Channels);
        string multiplyAdd(string a, string b, string c) => VectorPasses.MultiplyAdd(v, a, b, c, features.VectorFusedMultiplyAdd);

        EmitSums(writer, spec, plan, layout, features, columns, "inputRef");

        writer.Line();
        writer.Line("// Each block's center (shift + mu), scale = invStd * weight and bias for pass 2.");
        foreach (int k in blocks)
        {
            writer.Line($"{v}<{type}> mu{k}, scale{k};");
            writer.Line(spec.HasBias ? $"var b{k} = {VectorPasses.Load(v, "biasRef", offset(k))};" : $"var b{k} = {v}<{type}>.Zero;");
        }

        int last = blocks.Length - 1;
        (string, string)? oldRunning = null;
        if (overlaps && spec.HasRunningStatistics)
        {
            writer.Line("// The last block overlaps the one before it: its old running statistics, read before that block updates the channels they share.");
            writer.Line($"var oldRunningMean{last} = {VectorPasses.Load(v, "runningMeanRef", offset(last))};");
            writer.Line($"var oldRunningVar{last} = {VectorPasses.Load(v, "runningVarRef", offset(last))};");
            oldRunning = ($"oldRunningMean{last}", $"oldRunningVar{last}");
        }

        var lanes = new Halves(writer, v, spec.Element == ElementType.Float);
        foreach (int k in blocks)
        {
            writer.Line();
            bool overlapping = overlaps && k == last;
            using (writer.Block($"// Channels [{columns[k]}, {columns[k] + layout.Lanes}){(overlapping ? ", overlapping the block before it" : "")}: statistics per lane"))
            {
                EmitBlockStatistics(lanes, spec, plan, k, "inputRef", offset(k), offset(k), overlapping ? oldRunning : null);
            }
        }

        writer.Line();
        if (!overlaps && AlignedRowsBatchNormEmitter.Applies(plan, layout) && NonTemporalStores.Applies(spec, plan))
        {
            using (writer.Block("// Pass 2: y = (x - shift - mu) * scale + b."))
            {
                AlignedRowsBatchNormEmitter.Emit(writer, spec, plan, layout, features, blocks.Length, ["shift", "mu"]);
            }

            return;
        }

        int step = VectorPasses.RowsPerStoreStep(plan.Outer, blocks.Length);
        string rows = step == 1 ? "row by row, a row's blocks" : $"{step} rows at a time, their blocks";
        writer.Line($"// Pass 2: y = (x - shift - mu) * scale + b, {rows} loaded before any is stored{(overlaps ? " (they overlap)" : "")}.");
        using (writer.Block($"for (nuint row = 0; row < {rowsEnd}; row += {(long)step * plan.Channels})"))
        {
            writer.Line($"ref {type} x = ref {LayerNormEmitter.At("inputRef", "row")};");
            writer.Line($"ref {type} y = ref {LayerNormEmitter.At("outputRef", "row")};");
            VectorPasses.EmitRowsLoadedFirst(writer, step, plan.Channels, [.. columns.Select(column => ((string?)v, (long)column))], Literals.Int,
                (k, x, at) => VectorPasses.Store(v, multiplyAdd($"({x} - shift{k} - mu{k})", $"scale{k}", $"b{k}"), "y", at));
        }
    }

    /// <summary>Each block's first channel: the whole blocks, then one ending at the last channel if any are left.</summary>
    private static int[] Columns(SegmentLayout layout) =>
        [.. Enumerable.Range(0, layout.LoopIterations).Select(k => k * layout.Lanes),
            .. layout.After.Count > 0 ? [layout.Start + layout.Length - layout.Lanes] : Array.Empty<int>()];

    /// <summary>
    /// Pass 1 over every row for the given blocks of channels, all in registers: leaves shift{k} and the double totals
    /// sum{k}Total{h} and sq{k}Total{h} in scope. Rows are read from <paramref name="source"/> (a ref to the first block's
    /// first channel), block k at <paramref name="columns"/>[k].
    /// </summary>
    internal static void EmitSums(
        SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, SegmentLayout layout, TargetFeatures features, int[] columns, string source)
    {
        int[] blocks = Enumerable.Range(0, columns.Length).ToArray();
        string type = spec.Element.Keyword();
        var lanes = new Halves(writer, layout.Width.Class, spec.Element == ElementType.Float);
        string v = lanes.Vector;
        bool isFloat = lanes.IsFloat;
        string[] halves = lanes.Names;
        string offset(int k) => Literals.Int(columns[k]);

        writer.Line(isFloat
            ? "// Pass 1, row by row with every block of channels in registers: the raw values (in double lanes), and the squares"
            : "// Pass 1, row by row with every block of channels in registers: the deviations from the first row (shift) per lane,");
        writer.Line(isFloat
            ? $"// of their deviations from the first row (shift) per lane, in float over chunks of {Limits.RowChunk} rows widened into double totals."
            : $"// over chunks of {Limits.RowChunk} rows added into the totals, for the mean (the squares come in a pass around it).");
        string[] totals = isFloat ? ["sum", "sq"] : ["sum"];
        foreach (int k in blocks)
        {
            writer.Line($"var shift{k} = {VectorPasses.Load(v, source, offset(k))};");
            writer.Line($"{v}<double> {string.Join(", ", totals.SelectMany(s => halves.Select(h => $"{s}{k}Total{h} = default")))};");
        }

        (string, string)[] sums = blocks.Select(k => isFloat ? ($"sq{k}", $"sq{k}Total") : ($"dev{k}", $"sum{k}Total")).ToArray();
        // Float: the raw values into double lanes (exact); double: the deviations (a raw double sum rounds).
        IEnumerable<string> RowSums(string row, int k)
        {
            string at = columns[k] == 0 ? row : $"{row} + {offset(k)}";
            yield return $"var x{k} = {VectorPasses.Load(v, source, at)};";
            if (isFloat)
            {
                yield return $"sum{k}TotalLo += {v}.WidenLower(x{k});";
                yield return $"sum{k}TotalHi += {VectorPasses.WidenUpperFromMemory(layout.Width, $"x{k}", source, at)};";
                yield return $"var d{k} = x{k} - shift{k};";
                yield return VectorPasses.AddSquare(v, $"sq{k}", $"d{k}", features.VectorFusedMultiplyAdd);
            }
            else
            {
                yield return $"dev{k} += x{k} - shift{k};";
            }
        }

        VectorBatchNormEmitter.EmitRowSums(writer, plan, v, type, isFloat, sums, row => blocks.SelectMany(k => RowSums(row, k)).ToArray());
    }

    /// <summary>
    /// One block's statistics per lane from its totals (once more in double around the mean: where the float sums cannot
    /// be trusted, and always for double blocks; rows read from <paramref name="source"/> at <paramref name="column"/>):
    /// the stored statistics (the per-channel spans at <paramref name="block"/>; the running statistics before the update
    /// from <paramref name="oldRunning"/> where a block before this one has updated some of them already), then mu{k} and
    /// scale{k} for pass 2.
    /// </summary>
    internal static void EmitBlockStatistics(
        Halves lanes, BatchNormSpec spec, BatchNormPlan plan, int k, string source, string column, string block,
        (string Mean, string Var)? oldRunning = null)
    {
        SourceWriter writer = lanes.Writer;
        string v = lanes.Vector;
        string[] halves = lanes.Names;
        string n = Literals.Int(plan.Count);
        lanes.Widen("shiftWide", $"shift{k}");
        if (lanes.IsFloat)
        {
            writer.Line("// mu: the mean of x - shift, from the raw sum; sumOfSquares: of x - shift - mu.");
            foreach (string h in halves)
            {
                writer.Line($"var mu{h} = (sum{k}Total{h} / {n}) - shiftWide{h};");
                writer.Line($"var sumOfSquares{h} = sq{k}Total{h} - (mu{h} * mu{h} * {n});");
            }

            string trusted(string h) =>
                $"{v}.LessThanAll({v}.Abs(sumOfSquares{h}), {v}.Create(double.PositiveInfinity)) && {v}.LessThanOrEqualAll(mu{h} * mu{h} * {n}, sumOfSquares{h} * {Limits.ShiftDeviationsMax * Limits.ShiftDeviationsMax})";
            using (writer.Block($"if (!({string.Join(" && ", halves.Select(trusted))}))"))
            {
                writer.Line($"// Float squares overflowed, the values hold NaN/Inf, or a first value lies more than {Limits.ShiftDeviationsMax} standard");
                writer.Line("// deviations from its channel's mean: the block once more around the means just found, each deviation in double");
                writer.Line("// (the corrected two-pass algorithm; a lane whose mean is not finite keeps its shift).");
                EmitAroundMean(lanes, plan, source, row => k == 0 ? row : $"{row} + {column}");
            }
        }
        else
        {
            writer.Line("// mu: the mean of x - shift, from the sum of the deviations. Then the block once more around shift + mu, the");
            writer.Line("// squares of those deviations (two passes: squares around the first row cancel, which in double rounds more than");
            writer.Line("// PyTorch does; a lane whose mean is not finite keeps its shift).");
            writer.Line($"var mu = sum{k}Total / {n};");
            writer.Line($"{v}<double> sumOfSquares;");
            using (writer.Block())
            {
                EmitAroundMean(lanes, plan, source, row => k == 0 ? row : $"{row} + {column}");
            }
        }

        foreach (string h in halves)
        {
            writer.Line($"sumOfSquares{h} = {v}.Max(sumOfSquares{h}, {v}<double>.Zero);");
            writer.Line($"var invStd{h} = {v}.Create(1.0) / {v}.Sqrt(sumOfSquares{h} / {n} + {v}.Create({Literals.Double(spec.Epsilon)}));");
        }

        if (spec.HasRunningStatistics)
        {
            string keep = Literals.Double(1 - spec.Momentum);
            string m = Literals.Double(spec.Momentum);
            string folded(string h) => $"sumOfSquares{h} / {(spec.UnbiasedRunningVariance ? plan.Count - 1 : plan.Count)}";
            lanes.Widen("oldMean", oldRunning is null ? VectorPasses.Load(v, "runningMeanRef", block) : oldRunning.Value.Mean);
            writer.Line(VectorPasses.Store(v, lanes.Narrow(h => $"oldMean{h} * {keep} + (shiftWide{h} + mu{h}) * {m}"), "runningMeanRef", block));
            lanes.Widen("oldVar", oldRunning is null ? VectorPasses.Load(v, "runningVarRef", block) : oldRunning.Value.Var);
            writer.Line(VectorPasses.Store(v, lanes.Narrow(h => $"oldVar{h} * {keep} + {folded(h)} * {m}"), "runningVarRef", block));
        }

        if (spec.HasMean)
        {
            writer.Line(VectorPasses.Store(v, lanes.Narrow(h => $"shiftWide{h} + mu{h}"), "meanRef", block));
        }

        if (spec.HasRstd)
        {
            writer.Line(VectorPasses.Store(v, lanes.Narrow(h => "invStd" + h), "rstdRef", block));
        }

        if (spec.HasWeight)
        {
            lanes.Widen("gamma", VectorPasses.Load(v, "weightRef", block));
            writer.Line($"scale{k} = {lanes.Narrow(h => $"invStd{h} * gamma{h}")};");
        }
        else
        {
            writer.Line($"scale{k} = {lanes.Narrow(h => "invStd" + h)};");
        }

        writer.Line($"mu{k} = {lanes.Narrow(h => "mu" + h)};");
    }

    /// <summary>
    /// The block once more around center = shift + mu (shift where mu is not finite), each deviation in double, over chunks
    /// of rows: sets mu{h} and sumOfSquares{h} (of x - center, corrected by the mean deviation).
    /// </summary>
    private static void EmitAroundMean(Halves lanes, BatchNormPlan plan, string source, Func<string, string> at)
    {
        SourceWriter writer = lanes.Writer;
        string v = lanes.Vector;
        string[] halves = lanes.Names;
        string n = Literals.Int(plan.Count);
        foreach (string h in halves)
        {
            writer.Line($"var center{h} = {v}.ConditionalSelect({v}.Equals(mu{h} - mu{h}, {v}<double>.Zero), shiftWide{h} + mu{h}, shiftWide{h});");
        }

        writer.Line($"{v}<double> {string.Join(", ", halves.SelectMany(h => new[] { $"devD{h} = default", $"sqD{h} = default" }))};");
        VectorBatchNormEmitter.EmitRowSums(writer, plan, v, "double", isFloat: false, [.. halves.SelectMany(h => new[] { ($"dev{h}", $"devD{h}"), ($"sq{h}", $"sqD{h}") })], row =>
            [lanes.WidenLine("x", VectorPasses.Load(v, source, at(row))),
             .. halves.SelectMany(h => new[] { $"var d{h} = x{h} - center{h};", $"dev{h} += d{h};", $"sq{h} += d{h} * d{h};" })]);
        foreach (string h in halves)
        {
            writer.Line($"mu{h} = (center{h} - shiftWide{h}) + (devD{h} / {n});");
            writer.Line($"sumOfSquares{h} = sqD{h} - (devD{h} * devD{h} / {n});");
        }
    }
}

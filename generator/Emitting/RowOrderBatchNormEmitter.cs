using FixedNorm.Generator.Model;
using FixedNorm.Generator.Planning;

namespace FixedNorm.Generator.Emitting;

/// <summary>
/// BatchNorm training across channels (Inner = 1: channels-last, (N, C)) in row order: every block of channels is in
/// registers at once, so the tensor is read twice in memory order (statistics, then normalize) and written once.
/// </summary>
internal static class RowOrderBatchNormEmitter
{
    /// <summary>Training with at most <see cref="Limits.RowOrderTrainingBlocksMax"/> whole blocks (and scalar channels after).</summary>
    public static bool AppliesToTraining(BatchNormSpec spec, SegmentLayout layout) =>
        spec.Training && layout.LoopIterations > 0 && layout.LoopIterations <= Limits.RowOrderTrainingBlocksMax
        && layout.After.All(piece => piece.Width is null);

    public static void EmitTraining(SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, SegmentLayout layout, TargetFeatures features)
    {
        ElementType element = spec.Element;
        string type = element.Keyword();
        string v = layout.Width.Class;
        bool isFloat = element == ElementType.Float;
        string[] halves = isFloat ? ["Lo", "Hi"] : [""];
        int[] blocks = Enumerable.Range(0, layout.LoopIterations).ToArray();
        string offset(int k) => Literals.Int(k * layout.Lanes);
        string n = Literals.Int(plan.Count);
        string rowsEnd = Literals.Int((long)plan.Outer * plan.Channels);
        void widen(string name, string expression) => writer.Line(isFloat
            ? $"(var {name}Lo, var {name}Hi) = {v}.Widen({expression});"
            : $"var {name} = {expression};");
        string narrow(Func<string, string> part) => isFloat ? $"{v}.Narrow({part("Lo")}, {part("Hi")})" : part("");
        string multiplyAdd(string a, string b, string c) => features.VectorFusedMultiplyAdd ? $"{v}.FusedMultiplyAdd({a}, {b}, {c})" : $"{a} * {b} + {c}";

        writer.Line("// Pass 1, row by row with every block of channels in registers: the deviations from the first row (shift)");
        writer.Line($"// and their squares, per lane{(isFloat ? $", in float over chunks of {Limits.RowChunk} rows widened into double totals" : "")}.");
        foreach (int k in blocks)
        {
            writer.Line($"var shift{k} = {VectorPasses.Load(v, "inputRef", offset(k))};");
            writer.Line($"{v}<double> {string.Join(", ", new[] { "dev", "sq" }.SelectMany(s => halves.Select(h => $"{s}{k}Total{h} = default")))};");
        }

        (string, string)[] sums = blocks.SelectMany(k => new[] { ($"dev{k}", $"dev{k}Total"), ($"sq{k}", $"sq{k}Total") }).ToArray();
        VectorBatchNormEmitter.EmitRowSums(writer, plan, v, type, isFloat, sums, row => blocks.SelectMany(k => new[]
        {
            $"var d{k} = {VectorPasses.Load(v, "inputRef", k == 0 ? row : $"{row} + {offset(k)}")} - shift{k};",
            $"dev{k} += d{k};",
            features.VectorFusedMultiplyAdd ? $"sq{k} = {v}.FusedMultiplyAdd(d{k}, d{k}, sq{k});" : $"sq{k} += d{k} * d{k};",
        }).ToArray());

        writer.Line();
        writer.Line("// Each block's center (shift + mu), scale = invStd * weight and bias for pass 2.");
        foreach (int k in blocks)
        {
            writer.Line($"{v}<{type}> mu{k}, scale{k};");
            writer.Line(spec.HasBias ? $"var b{k} = {VectorPasses.Load(v, "biasRef", offset(k))};" : $"var b{k} = {v}<{type}>.Zero;");
        }

        foreach (int k in blocks)
        {
            writer.Line();
            using (writer.Block($"// Channels [{k * layout.Lanes}, {(k + 1) * layout.Lanes}): statistics per lane"))
            {
                widen("shiftWide", $"shift{k}");
                writer.Line("// mu: the mean of x - shift; sumOfSquares: of x - shift - mu.");
                foreach (string h in halves)
                {
                    writer.Line($"var mu{h} = dev{k}Total{h} / {n};");
                    writer.Line($"var sumOfSquares{h} = sq{k}Total{h} - (mu{h} * dev{k}Total{h});");
                }

                string trusted(string h) =>
                    $"{v}.LessThanAll({v}.Abs(sumOfSquares{h}), {v}.Create(double.PositiveInfinity)) && {v}.LessThanOrEqualAll(mu{h} * mu{h} * {n}, sumOfSquares{h} * {Limits.ShiftDeviationsMax * Limits.ShiftDeviationsMax})";
                using (writer.Block($"if (!({string.Join(" && ", halves.Select(trusted))}))"))
                {
                    writer.Line($"// Float squares overflowed, the values hold NaN/Inf, or a first value lies more than {Limits.ShiftDeviationsMax} standard");
                    writer.Line("// deviations from its channel's mean: the block once more, each deviation in double.");
                    writer.Line($"{v}<double> {string.Join(", ", halves.SelectMany(h => new[] { $"devD{h} = default", $"sqD{h} = default" }))};");
                    using (writer.Block($"for (nuint row = 0; row < {rowsEnd}; row += {plan.Channels})"))
                    {
                        widen("x", VectorPasses.Load(v, "inputRef", k == 0 ? "row" : $"row + {offset(k)}"));
                        foreach (string h in halves)
                        {
                            writer.Line($"var d{h} = x{h} - shiftWide{h};");
                            writer.Line($"devD{h} += d{h};");
                            writer.Line($"sqD{h} += d{h} * d{h};");
                        }
                    }

                    foreach (string h in halves)
                    {
                        writer.Line($"mu{h} = devD{h} / {n};");
                        writer.Line($"sumOfSquares{h} = sqD{h} - (devD{h} * mu{h});");
                    }
                }

                foreach (string h in halves)
                {
                    writer.Line($"sumOfSquares{h} = {v}.Max(sumOfSquares{h}, {v}<double>.Zero);");
                    writer.Line($"var invStd{h} = {v}.Create(1.0) / {v}.Sqrt(sumOfSquares{h} / {n} + {v}.Create({Literals.Double(spec.Epsilon)}));");
                }

                string block = offset(k);
                if (spec.HasRunningStatistics)
                {
                    string keep = Literals.Double(1 - spec.Momentum);
                    string m = Literals.Double(spec.Momentum);
                    string folded(string h) => $"sumOfSquares{h} / {(spec.UnbiasedRunningVariance ? plan.Count - 1 : plan.Count)}";
                    widen("oldMean", VectorPasses.Load(v, "runningMeanRef", block));
                    writer.Line(VectorPasses.Store(v, narrow(h => $"oldMean{h} * {keep} + (shiftWide{h} + mu{h}) * {m}"), "runningMeanRef", block));
                    widen("oldVar", VectorPasses.Load(v, "runningVarRef", block));
                    writer.Line(VectorPasses.Store(v, narrow(h => $"oldVar{h} * {keep} + {folded(h)} * {m}"), "runningVarRef", block));
                }

                if (spec.HasMean)
                {
                    writer.Line(VectorPasses.Store(v, narrow(h => $"shiftWide{h} + mu{h}"), "meanRef", block));
                }

                if (spec.HasRstd)
                {
                    writer.Line(VectorPasses.Store(v, narrow(h => "invStd" + h), "rstdRef", block));
                }

                if (spec.HasWeight)
                {
                    widen("gamma", VectorPasses.Load(v, "weightRef", block));
                    writer.Line($"scale{k} = {narrow(h => $"invStd{h} * gamma{h}")};");
                }
                else
                {
                    writer.Line($"scale{k} = {narrow(h => "invStd" + h)};");
                }

                writer.Line($"mu{k} = {narrow(h => "mu" + h)};");
            }
        }

        writer.Line();
        writer.Line("// Pass 2: y = (x - shift - mu) * scale + b, row by row, every block of a row in turn.");
        using (writer.Block($"for (nuint row = 0; row < {rowsEnd}; row += {plan.Channels})"))
        {
            writer.Line($"ref {type} x = ref {LayerNormEmitter.At("inputRef", "row")};");
            writer.Line($"ref {type} y = ref {LayerNormEmitter.At("outputRef", "row")};");
            foreach (int k in blocks)
            {
                string centered = $"{VectorPasses.Load(v, "x", offset(k))} - shift{k} - mu{k}";
                writer.Line(VectorPasses.Store(v, multiplyAdd($"({centered})", $"scale{k}", $"b{k}"), "y", offset(k)));
            }
        }

        foreach (Piece piece in layout.After)
        {
            using (writer.Block($"// Channel {piece.Offset}"))
            {
                ScalarBatchNormEmitter.EmitChannel(writer, spec, plan, Literals.Int(piece.Offset));
            }
        }
    }
}

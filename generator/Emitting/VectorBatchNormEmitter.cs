using FixedNorm.Generator.Model;
using FixedNorm.Generator.Planning;

namespace FixedNorm.Generator.Emitting;

/// <summary>BatchNorm in vectors: along each channel's contiguous runs, or across contiguous channels.</summary>
internal static class VectorBatchNormEmitter
{
    /// <summary>Per channel: vector passes over each of its runs, run totals added into doubles.</summary>
    public static void EmitRuns(SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, TargetFeatures features) =>
        VectorPasses.EmitPerWidth(writer, spec.Element, BatchNormEmitter.Spans(spec, plan), width =>
        {
            if (InOrderBatchNormEmitter.Applies(plan))
            {
                if (spec.Training)
                {
                    InOrderBatchNormEmitter.EmitTraining(writer, spec, plan, width, features);
                }
                else
                {
                    InOrderBatchNormEmitter.EmitInference(writer, spec, plan, width, features);
                }

                return;
            }

            if (plan.Channels == 1)
            {
                using (writer.Block("// Channel 0"))
                {
                    EmitRunsChannel(writer, spec, plan, width, "0", features);
                }
            }
            else
            {
                using (writer.Block($"for (int c = 0; c < {plan.Channels}; c++)"))
                {
                    EmitRunsChannel(writer, spec, plan, width, "c", features);
                }
            }
        });

    /// <summary>Across channels (Inner = 1): blocks of channels as vector lanes, rows streamed in order.</summary>
    public static void EmitBlocks(SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, TargetFeatures features) =>
        VectorPasses.EmitPerWidth(writer, spec.Element, BatchNormEmitter.Spans(spec, plan), width =>
        {
            SegmentLayout layout = SegmentLayout.Create(0, plan.Channels, width, spec.Element, unroll: 1);
            if (RowOrderBatchNormEmitter.AppliesToTraining(spec, layout))
            {
                RowOrderBatchNormEmitter.EmitTraining(writer, spec, plan, layout, features);
                return;
            }

            if (ChannelTablesBatchNormEmitter.Applies(spec, layout))
            {
                ChannelTablesBatchNormEmitter.Emit(writer, spec, plan, layout, features);
                return;
            }

            if (!spec.Training && layout.LoopIterations + layout.After.Count(p => p.Width is not null) <= Limits.RowOrderBlocksMax)
            {
                EmitInferenceRows(writer, spec, plan, layout, features);
                return;
            }

            if (layout.LoopIterations > 1)
            {
                using (writer.Block($"for (nuint cb = 0; cb < {layout.LoopEnd}; cb += {layout.Lanes})"))
                {
                    EmitBlock(writer, spec, plan, width, "cb", features);
                }
            }
            else if (layout.LoopIterations == 1)
            {
                using (writer.Block($"// Channels [0, {layout.Lanes})"))
                {
                    EmitBlock(writer, spec, plan, width, "0", features);
                }
            }

            EmitChannelsAfter(writer, spec, plan, layout, features);
        });

    /// <summary>The channels after a layout's whole blocks, each narrower vector or single channel on its own.</summary>
    private static void EmitChannelsAfter(SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, SegmentLayout layout, TargetFeatures features)
    {
        foreach (Piece piece in layout.After)
        {
            string offset = Literals.Int(piece.Offset);
            if (piece.Width is null)
            {
                using (writer.Block($"// Channel {piece.Offset}"))
                {
                    ScalarBatchNormEmitter.EmitChannel(writer, spec, plan, offset);
                }
            }
            else
            {
                using (writer.Block($"// Channels [{piece.Offset}, {piece.Offset + piece.Width.Lanes(spec.Element)})"))
                {
                    EmitBlock(writer, spec, plan, piece.Width, offset, features);
                }
            }
        }
    }

    /// <summary>
    /// Inference across channels in memory order: each block's center, scale and bias are set up once in registers,
    /// then one pass over the rows normalizes every block of a row before the next row (reads and writes stream).
    /// </summary>
    private static void EmitInferenceRows(SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, SegmentLayout layout, TargetFeatures features)
    {
        ElementType element = spec.Element;
        string type = element.Keyword();
        bool isFloat = element == ElementType.Float;
        var blocks = Enumerable.Range(0, layout.LoopIterations).Select(k => new Piece(k * layout.Lanes, layout.Width))
            .Concat(layout.After.Where(p => p.Width is not null))
            .ToList();
        writer.Line("// Each block of channels: center, scale = weight / sqrt(runningVar + eps) and bias, in registers.");
        for (int k = 0; k < blocks.Count; k++)
        {
            string v = blocks[k].Width!.Class;
            string offset = Literals.Int(blocks[k].Offset);
            writer.Line($"var center{k} = {VectorPasses.Load(v, "runningMeanRef", offset)};");
            string eps = $"{v}.Create({Literals.Double(spec.Epsilon)})";
            string gamma(string half) => spec.HasWeight ? $" * {v}.Widen{half}({VectorPasses.Load(v, "weightRef", offset)})" : "";
            if (isFloat)
            {
                writer.Line($"var variance{k} = {VectorPasses.Load(v, "runningVarRef", offset)};");
                writer.Line($"var scale{k} = {v}.Narrow({v}.Create(1.0) / {v}.Sqrt({v}.WidenLower(variance{k}) + {eps}){gamma("Lower")}, {v}.Create(1.0) / {v}.Sqrt({v}.WidenUpper(variance{k}) + {eps}){gamma("Upper")});");
            }
            else
            {
                string weight = spec.HasWeight ? $" * {VectorPasses.Load(v, "weightRef", offset)}" : "";
                writer.Line($"var scale{k} = {v}.Create(1.0) / {v}.Sqrt({VectorPasses.Load(v, "runningVarRef", offset)} + {eps}){weight};");
            }

            writer.Line(spec.HasBias ? $"var b{k} = {VectorPasses.Load(v, "biasRef", offset)};" : $"var b{k} = {v}<{type}>.Zero;");
        }

        if (AlignedRowsBatchNormEmitter.Applies(plan, layout))
        {
            AlignedRowsBatchNormEmitter.Emit(writer, spec, plan, layout, features, blocks.Count, ["center"]);
            return;
        }

        int step = VectorPasses.RowsPerStoreStep(plan.Outer, blocks.Count);
        writer.Line(step == 1
            ? "// y = (x - center) * scale + b, row by row, a row's blocks loaded before any is stored."
            : $"// y = (x - center) * scale + b, {step} rows at a time, their blocks loaded before any is stored.");
        using (writer.Block($"for (nuint row = 0; row < {(long)plan.Outer * plan.Channels}; row += {(long)step * plan.Channels})"))
        {
            writer.Line($"ref {type} x = ref {LayerNormEmitter.At("inputRef", "row")};");
            writer.Line($"ref {type} y = ref {LayerNormEmitter.At("outputRef", "row")};");
            VectorPasses.EmitRowsLoadedFirst(writer, step, plan.Channels, [.. blocks.Select(b => ((string?)b.Width!.Class, (long)b.Offset))], Literals.Int,
                (k, x, offset) =>
                {
                    string v = blocks[k].Width!.Class;
                    return VectorPasses.Store(v, VectorPasses.MultiplyAdd(v, $"({x} - center{k})", $"scale{k}", $"b{k}", features.VectorFusedMultiplyAdd), "y", offset);
                });
        }

        foreach (Piece piece in layout.After.Where(p => p.Width is null))
        {
            using (writer.Block($"// Channel {piece.Offset}"))
            {
                ScalarBatchNormEmitter.EmitChannel(writer, spec, plan, Literals.Int(piece.Offset));
            }
        }
    }

    private static void EmitRunsChannel(SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, VectorWidth width, string channel, TargetFeatures features)
    {
        ElementType element = spec.Element;
        string type = element.Keyword();
        string v = width.Class;
        string suffix = width.Suffix;
        bool isFloat = element == ElementType.Float;
        string first = channel == "0" ? "0" : $"{channel} * {plan.Inner}";
        var passes = new VectorPasses(writer, element, width, features.VectorFusedMultiplyAdd);
        string broadcast(string vector, string name, string scalar) => vector == v ? name + suffix : $"{vector}.Create({scalar})";

        // With one run per channel, x and y point at it; otherwise xc and yc point at the channel's first run.
        string channelInput = plan.Outer == 1 ? "x" : "xc";
        writer.Line($"ref {type} {channelInput} = ref {LayerNormEmitter.At("inputRef", first)};");
        writer.Line($"ref {type} {(plan.Outer == 1 ? "y" : "yc")} = ref {LayerNormEmitter.At("outputRef", first)};");
        void ForEachRun(Action body, bool writes = false)
        {
            if (plan.Outer == 1)
            {
                body();
                return;
            }

            using (writer.Block($"for (nuint o = 0; o < {(long)plan.Outer * plan.RunStride}; o += {plan.RunStride})"))
            {
                writer.Line($"ref {type} x = ref {LayerNormEmitter.At("xc", "o")};");
                if (writes)
                {
                    writer.Line($"ref {type} y = ref {LayerNormEmitter.At("yc", "o")};");
                }

                body();
            }
        }

        string centerT;
        if (spec.Training)
        {
            string muT = isFloat ? "muF" : "mu";
            writer.Line($"{type} shift = {channelInput};");
            writer.Line($"var shift{suffix} = {v}.Create(shift);");
            writer.Line();
            writer.Line("double sum = 0;");
            if (isFloat)
            {
                writer.Line("// Pass 1: the channel's mean, summed in double as PyTorch's CPU kernels do; mu = mean - shift.");
                ForEachRun(() => passes.SumWide("sum", plan.Inner, "x"));
                writer.Line($"double mu = sum / {plan.Count} - shift;");
            }
            else
            {
                writer.Line("// Pass 1: mu = mean - shift, from the deviations (raw double sums round; these keep a constant channel exact).");
                ForEachRun(() => passes.Sum("sum", plan.Inner,
                    (vector, offset) => $"{VectorPasses.Load(vector, "x", offset)} - {broadcast(vector, "shift", "shift")}",
                    offset => $"{LayerNormEmitter.At("x", offset)} - shift"));
                writer.Line($"double mu = sum / {plan.Count};");
            }

            if (isFloat)
            {
                writer.Line("float muF = (float)mu;");
            }

            writer.Line($"var mu{suffix} = {v}.Create({muT});");
            writer.Line();
            writer.Line("// Pass 2: the sum of (x - shift - mu)^2; then the channel's statistics.");
            writer.Line("double sumOfSquares = 0;");
            ForEachRun(() => passes.SumOfSquares("sumOfSquares", null, plan.Inner,
                (vector, offset) => $"{VectorPasses.Load(vector, "x", offset)} - {broadcast(vector, "shift", "shift")} - {broadcast(vector, "mu", muT)}",
                offset => $"{LayerNormEmitter.At("x", offset)} - shift - {muT}"));
            passes.EmitSquaresOverflowFallback(withDeviations: false, value => $"{value} - shift - {muT}", body => ForEachRun(() =>
            {
                using (writer.Block($"for (nuint i = 0; i < {plan.Inner}; i++)"))
                {
                    body(LayerNormEmitter.At("x", "i"));
                }
            }));
            BatchNormEmitter.EmitTrainingStatistics(writer, spec, plan, channel);
            centerT = muT;
        }
        else
        {
            BatchNormEmitter.EmitInferenceStatistics(writer, spec, channel);
            writer.Line($"{type} centerT = ({type})center;");
            writer.Line($"var center{suffix} = {v}.Create(centerT);");
            centerT = "centerT";
        }

        writer.Line($"{type} scaleT = ({type})scale;");
        writer.Line($"{type} bT = ({type})b;");
        writer.Line($"var scale{suffix} = {v}.Create(scaleT);");
        writer.Line($"var b{suffix} = {v}.Create(bT);");
        writer.Line();
        writer.Line("// Pass 3: y = (x - mean) * scale + b, scale = invStd * weight, each block of vectors loaded before any is stored.");
        ForEachRun(writes: true, body: () => passes.ForEach(plan.Inner, ["x"],
            (vector, offset, loaded, stores) =>
            {
                string x = loaded("x");
                string centered = spec.Training
                    ? $"{x} - {broadcast(vector, "shift", "shift")} - {broadcast(vector, "mu", centerT)}"
                    : $"{x} - {broadcast(vector, "center", centerT)}";
                return stores.Store(vector, passes.MultiplyAdd(vector, $"({centered})", broadcast(vector, "scale", "scaleT"), broadcast(vector, "b", "bT")), "y", offset);
            },
            offset =>
            {
                string x = LayerNormEmitter.At("x", offset);
                string centered = spec.Training ? $"{x} - shift - {centerT}" : $"{x} - centerT";
                return $"{LayerNormEmitter.At("y", offset)} = ({centered}) * scaleT + bT;";
            }));
    }

    /// <summary>
    /// One block of channels [cb, cb + lanes) as vector lanes. Float sums run over chunks of rows in float and are
    /// widened into two double vectors (Lo, Hi); double sums add straight into double vectors.
    /// </summary>
    private static void EmitBlock(SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, VectorWidth width, string cb, TargetFeatures features)
    {
        ElementType element = spec.Element;
        string type = element.Keyword();
        string v = width.Class;
        bool isFloat = element == ElementType.Float;
        string[] halves = isFloat ? ["Lo", "Hi"] : [""];
        string doubleVector = $"{v}<double>";
        string each(Func<string, string> part) => string.Join(", ", halves.Select(part));
        void declareEach(Func<string, string> line)
        {
            foreach (string half in halves)
            {
                writer.Line(line(half));
            }
        }

        // Widened(name, expr): "(var nameLo, var nameHi) = V.Widen(expr);" or "var name = expr;"
        void widen(string name, string expression) => writer.Line(isFloat
            ? $"(var {name}Lo, var {name}Hi) = {v}.Widen({expression});"
            : $"var {name} = {expression};");
        string narrow(Func<string, string> part) => isFloat ? $"{v}.Narrow({part("Lo")}, {part("Hi")})" : part("");

        writer.Line($"ref {type} x = ref {LayerNormEmitter.At("inputRef", cb)};");
        writer.Line($"ref {type} y = ref {LayerNormEmitter.At("outputRef", cb)};");
        string rowsEnd = Literals.Int((long)plan.Outer * plan.Channels);
        if (spec.Training)
        {
            writer.Line($"var shift = {VectorPasses.Load(v, "x", "0")};");
            writer.Line(isFloat
                ? "// Pass 1: per lane (channel), the mean, summed in double as PyTorch's CPU kernels do; mu = mean - shift."
                : "// Pass 1: per lane (channel), mu = mean - shift, from the deviations (raw double sums round).");
            writer.Line($"{doubleVector} {each(h => $"sum{h} = default")};");
            if (isFloat)
            {
                using (writer.Block($"for (nuint row = 0; row < {rowsEnd}; row += {plan.Channels})"))
                {
                    writer.Line($"var values = {VectorPasses.Load(v, "x", "row")};");
                    writer.Line($"sumLo += {v}.WidenLower(values);");
                    writer.Line($"sumHi += {v}.WidenUpper(values);");
                }
            }
            else
            {
                EmitRowSums(writer, plan, v, type, isFloat: false, [("dev", "sum")], row => [$"dev += {VectorPasses.Load(v, "x", row)} - shift;"]);
            }

            if (isFloat)
            {
                widen("shiftWide", "shift");
            }

            declareEach(h => isFloat ? $"var mu{h} = sum{h} / {plan.Count} - shiftWide{h};" : $"var mu{h} = sum{h} / {plan.Count};");
            if (isFloat)
            {
                writer.Line($"var mu = {narrow(h => "mu" + h)};");
            }

            writer.Line("// Pass 2: per lane, the sum of (x - shift - mu)^2; then the statistics.");
            writer.Line($"{doubleVector} {each(h => $"sumOfSquares{h} = default")};");
            EmitRowSums(writer, plan, v, type, isFloat, [("acc", "sumOfSquares")], row =>
                [$"var d = {VectorPasses.Load(v, "x", row)} - shift - mu;", "acc += d * d;"]);
            if (isFloat)
            {
                using (writer.Block($"if (!double.IsFinite({Names.Lanes}.Sum(sumOfSquaresLo + sumOfSquaresHi)))"))
                {
                    writer.Line("// Float squares overflowed (or the values hold NaN/Inf): square each deviation in double instead.");
                    writer.Line("sumOfSquaresLo = default;");
                    writer.Line("sumOfSquaresHi = default;");
                    using (writer.Block($"for (nuint row = 0; row < {rowsEnd}; row += {plan.Channels})"))
                    {
                        writer.Line($"var d = {VectorPasses.Load(v, "x", "row")} - shift - mu;");
                        writer.Line($"var dLo = {v}.WidenLower(d);");
                        writer.Line($"var dHi = {v}.WidenUpper(d);");
                        writer.Line("sumOfSquaresLo += dLo * dLo;");
                        writer.Line("sumOfSquaresHi += dHi * dHi;");
                    }
                }
            }

            declareEach(h => $"var variance{h} = sumOfSquares{h} / {plan.Count};");
            declareEach(h => $"var invStd{h} = {v}.Create(1.0) / {v}.Sqrt(variance{h} + {v}.Create({Literals.Double(spec.Epsilon)}));");
            if (spec.HasRunningStatistics || spec.HasMean)
            {
                declareEach(h => isFloat ? $"var batchMean{h} = sum{h} / {plan.Count};" : $"var batchMean{h} = shift + mu{h};");
            }

            if (spec.HasRunningStatistics)
            {
                string keep = Literals.Double(1 - spec.Momentum);
                string m = Literals.Double(spec.Momentum);
                string batchVariance(string h) => spec.UnbiasedRunningVariance
                    ? $"variance{h} * {Literals.Double((double)plan.Count / (plan.Count - 1))}"
                    : $"variance{h}";
                widen("oldMean", VectorPasses.Load(v, "runningMeanRef", cb));
                writer.Line(VectorPasses.Store(v, narrow(h => $"oldMean{h} * {keep} + batchMean{h} * {m}"), "runningMeanRef", cb));
                widen("oldVar", VectorPasses.Load(v, "runningVarRef", cb));
                writer.Line(VectorPasses.Store(v, narrow(h => $"oldVar{h} * {keep} + {batchVariance(h)} * {m}"), "runningVarRef", cb));
            }

            if (spec.HasMean)
            {
                writer.Line(VectorPasses.Store(v, narrow(h => "batchMean" + h), "meanRef", cb));
            }

            if (spec.HasRstd)
            {
                writer.Line(VectorPasses.Store(v, narrow(h => "invStd" + h), "rstdRef", cb));
            }
        }
        else
        {
            writer.Line($"var center = {VectorPasses.Load(v, "runningMeanRef", cb)};");
            widen("oldVar", VectorPasses.Load(v, "runningVarRef", cb));
            declareEach(h => $"var invStd{h} = {v}.Create(1.0) / {v}.Sqrt(oldVar{h} + {v}.Create({Literals.Double(spec.Epsilon)}));");
        }

        if (spec.HasWeight)
        {
            widen("gamma", VectorPasses.Load(v, "weightRef", cb));
            writer.Line($"var scale = {narrow(h => $"invStd{h} * gamma{h}")};");
        }
        else
        {
            writer.Line($"var scale = {narrow(h => "invStd" + h)};");
        }

        writer.Line(spec.HasBias ? $"var b = {VectorPasses.Load(v, "biasRef", cb)};" : $"var b = {v}<{type}>.Zero;");
        writer.Line("// Pass 3: y = (x - mean) * scale + b, row by row.");
        string centered(string row) => spec.Training ? $"{VectorPasses.Load(v, "x", row)} - shift - mu" : $"{VectorPasses.Load(v, "x", row)} - center";
        using (writer.Block($"for (nuint row = 0; row < {rowsEnd}; row += {plan.Channels})"))
        {
            writer.Line(VectorPasses.Store(v, features.VectorFusedMultiplyAdd ? $"{VectorPasses.MultiplyAddMethod(v)}({centered("row")}, scale, b)" : $"({centered("row")}) * scale + b", "y", "row"));
        }
    }

    /// <summary>
    /// Streams all rows once, adding per-row vector terms into accumulators (name, total) pairs over chunks of
    /// <see cref="Limits.RowChunk"/> rows, then into the double totals (float accumulators widened): a chunk's sum rounds
    /// against its own size, not the total's, so a long sum keeps close to PyTorch's cascaded ones.
    /// </summary>
    internal static void EmitRowSums(
        SourceWriter writer, BatchNormPlan plan, string v, string type, bool isFloat, (string Accumulator, string Total)[] sums, Func<string, string[]> body)
    {
        long stride = plan.Channels;
        long rows = plan.Outer;
        long chunk = Limits.RowChunk;
        long fullChunks = rows / chunk;
        long rest = rows - (fullChunks * chunk);

        void Chunk(string start, long count)
        {
            writer.Line($"{v}<{type}> {string.Join(", ", sums.Select(sum => sum.Accumulator + " = default"))};");
            string end = start == "0" ? Literals.Int(count * stride) : $"{start} + {count * stride}";
            using (writer.Block($"for (nuint row = {start}; row < {end}; row += {stride})"))
            {
                foreach (string line in body("row"))
                {
                    writer.Line(line);
                }
            }

            foreach ((string accumulator, string total) in sums)
            {
                if (isFloat)
                {
                    writer.Line($"{total}Lo += {v}.WidenLower({accumulator});");
                    writer.Line($"{total}Hi += {v}.WidenUpper({accumulator});");
                }
                else
                {
                    writer.Line($"{total} += {accumulator};");
                }
            }
        }

        if (fullChunks > 1)
        {
            using (writer.Block($"for (nuint chunk = 0; chunk < {fullChunks * chunk * stride}; chunk += {chunk * stride})"))
            {
                Chunk("chunk", chunk);
            }
        }
        else if (fullChunks == 1)
        {
            using (writer.Block())
            {
                Chunk("0", chunk);
            }
        }

        if (rest > 0)
        {
            using (writer.Block())
            {
                Chunk(Literals.Int(fullChunks * chunk * stride), rest);
            }
        }
    }
}

using FixedNorm.Generator.Model;
using FixedNorm.Generator.Planning;

namespace FixedNorm.Generator.Emitting;

/// <summary>
/// BatchNorm across channels (Inner = 1: channels-last, (N, C)) with more blocks of channels than the registers hold:
/// per-channel values in stack tables, so the store pass still goes row by row in memory order. Training takes its
/// statistics a group of blocks at a time (all of a group's sums in registers) over every row, so the input is read
/// once for them and once to normalize. Block by block, each block read and written on its own with the row stride,
/// took 4 to 9 times a copy of the tensor ([16, 16, 16, 256] inference 4.7x, training 7.5x on Vector512).
/// </summary>
internal static class ChannelTablesBatchNormEmitter
{
    /// <summary>
    /// Inference past <see cref="Limits.RowOrderBlocksMax"/> blocks; training with two blocks or more where
    /// <see cref="RowOrderBatchNormEmitter"/> does not apply; whole blocks of at most <see cref="Limits.StackChannelsMax"/> channels.
    /// </summary>
    public static bool Applies(BatchNormSpec spec, SegmentLayout layout) =>
        layout.LoopIterations * layout.Lanes <= Limits.StackChannelsMax
        && (spec.Training
            ? layout.LoopIterations >= 2 && !RowOrderBatchNormEmitter.AppliesToTraining(spec, layout)
            : layout.LoopIterations + layout.After.Count(p => p.Width is not null) > Limits.RowOrderBlocksMax);

    public static void Emit(SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, SegmentLayout layout, TargetFeatures features)
    {
        string type = spec.Element.Keyword();
        string v = layout.Width.Class;
        int lanes = layout.Lanes;
        int whole = layout.LoopIterations * lanes;
        if (spec.Training)
        {
            int group = Limits.RowOrderTrainingBlocksMax;
            writer.Line($"// {layout.LoopIterations} blocks of {lanes} channels: the statistics {group} blocks at a time (a group's sums in registers), each");
            writer.Line("// group over every row, with each channel's shift, mu and scale into stack tables; then one pass in row order.");
            InOrderBatchNormEmitter.DeclareBuffers(writer, type, whole, "shifts", "mus", "scales");
            int fullGroups = layout.LoopIterations / group;
            int rest = layout.LoopIterations % group;
            if (fullGroups > 1)
            {
                using (writer.Block($"for (nuint g = 0; g < {fullGroups * group * lanes}; g += {group * lanes})"))
                {
                    EmitGroup(writer, spec, plan, layout, features, group, first: null);
                }
            }
            else if (fullGroups == 1)
            {
                using (writer.Block($"// Channels [0, {group * lanes})"))
                {
                    EmitGroup(writer, spec, plan, layout, features, group, first: 0);
                }
            }

            if (rest > 0)
            {
                int first = fullGroups * group * lanes;
                using (writer.Block($"// Channels [{first}, {whole})"))
                {
                    EmitGroup(writer, spec, plan, layout, features, rest, first);
                }
            }
        }
        else
        {
            writer.Line($"// {layout.LoopIterations} blocks of {lanes} channels, more than the registers hold: each channel's");
            writer.Line("// scale = weight / sqrt(runningVar + eps) into a stack table; then one pass in row order.");
            InOrderBatchNormEmitter.DeclareBuffers(writer, type, whole, "scales");
            var lanesOf = new Halves(writer, v, spec.Element == ElementType.Float);
            string eps = $"{v}.Create({Literals.Double(spec.Epsilon)})";
            using (writer.Block($"for (nuint c = 0; c < {whole}; c += {lanes})"))
            {
                lanesOf.Widen("variance", VectorPasses.Load(v, "runningVarRef", "c"));
                if (spec.HasWeight)
                {
                    lanesOf.Widen("gamma", VectorPasses.Load(v, "weightRef", "c"));
                }

                string scale(string h) => $"{v}.Create(1.0) / {v}.Sqrt(variance{h} + {eps}){(spec.HasWeight ? $" * gamma{h}" : "")}";
                writer.Line(VectorPasses.Store(v, lanesOf.Narrow(scale), "scalesRef", "c"));
            }
        }

        writer.Line(spec.Training
            ? "// y = (x - shift - mu) * scale + b, row by row, the per-channel values from the tables."
            : "// y = (x - runningMean) * scale + b, row by row, the scales from their table.");
        using (writer.Block($"for (nuint row = 0; row < {(long)plan.Outer * plan.Channels}; row += {plan.Channels})"))
        {
            writer.Line($"ref {type} x = ref {LayerNormEmitter.At("inputRef", "row")};");
            writer.Line($"ref {type} y = ref {LayerNormEmitter.At("outputRef", "row")};");
            using (writer.Block($"for (nuint c = 0; c < {whole}; c += {lanes})"))
            {
                string centered = spec.Training
                    ? $"{VectorPasses.Load(v, "x", "c")} - {VectorPasses.Load(v, "shiftsRef", "c")} - {VectorPasses.Load(v, "musRef", "c")}"
                    : $"{VectorPasses.Load(v, "x", "c")} - {VectorPasses.Load(v, "runningMeanRef", "c")}";
                string scale = VectorPasses.Load(v, "scalesRef", "c");
                string bias = spec.HasBias ? VectorPasses.Load(v, "biasRef", "c") : $"{v}<{type}>.Zero";
                string value = features.VectorFusedMultiplyAdd ? $"{v}.FusedMultiplyAdd({centered}, {scale}, {bias})" : $"({centered}) * {scale} + {bias}";
                writer.Line(VectorPasses.Store(v, value, "y", "c"));
            }
        }

        VectorBatchNormEmitter.EmitChannelsAfter(writer, spec, plan, layout, features);
    }

    /// <summary>
    /// One group of <paramref name="count"/> blocks from channel <paramref name="first"/> (null: the loop's g): its
    /// statistics, into the tables.
    /// </summary>
    private static void EmitGroup(SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, SegmentLayout layout, TargetFeatures features, int count, int? first)
    {
        string v = layout.Width.Class;
        string channel(int k) => first is int f ? Literals.Int(f + (k * layout.Lanes)) : k == 0 ? "g" : $"g + {Literals.Int(k * layout.Lanes)}";
        writer.Line($"ref {spec.Element.Keyword()} first = ref {LayerNormEmitter.At("inputRef", channel(0))};");
        int[] blocks = Enumerable.Range(0, count).ToArray();
        RowOrderBatchNormEmitter.EmitStatistics(writer, spec, plan, layout, features, blocks, "first", channel, _ => { });
        foreach (int k in blocks)
        {
            writer.Line(VectorPasses.Store(v, $"shift{k}", "shiftsRef", channel(k)));
            writer.Line(VectorPasses.Store(v, $"mu{k}", "musRef", channel(k)));
            writer.Line(VectorPasses.Store(v, $"scale{k}", "scalesRef", channel(k)));
        }
    }
}

using FixedNorm.Generator.Model;
using FixedNorm.Generator.Planning;

namespace FixedNorm.Generator.Emitting;

/// <summary>
/// BatchNorm across channels (Inner = 1: channels-last, (N, C)) with more blocks of channels than the registers hold:
/// per-channel values in stack tables. Training adds up its sums a group of blocks at a time over every row (a group's
/// sums in registers) into tables, then takes each block's statistics in one loop; the store pass goes a chunk of rows
/// at a time in memory order, each group of blocks with its values in registers. Channels after the whole blocks take
/// their statistics (or scales) from a last block overlapping the one before it, and their store, in each chunk, from
/// narrower vectors and single values. Block by block, each block read and written on its own with the row stride,
/// took 4 to 9 times a copy of the tensor ([16, 16, 16, 256] inference 4.7x, training 7.5x on Vector512).
/// </summary>
internal static class ChannelTablesBatchNormEmitter
{
    /// <summary>
    /// Inference past <see cref="Limits.RowOrderBlocksMax"/> blocks; training with two blocks or more where
    /// <see cref="RowOrderBatchNormEmitter"/> does not apply; tables of at most <see cref="Limits.ChannelTablesMaxBytes"/>
    /// (a value per channel, in training shift, mu and scale, and two double totals).
    /// </summary>
    public static bool Applies(BatchNormSpec spec, SegmentLayout layout) =>
        (long)layout.Length * (spec.Training ? (3 * spec.Element.Size()) + 16 : spec.Element.Size()) <= Limits.ChannelTablesMaxBytes
        && (spec.Training
            ? layout.LoopIterations >= 2 && !RowOrderBatchNormEmitter.AppliesToTraining(spec, layout)
            : layout.LoopIterations + layout.After.Count(p => p.Width is not null) > Limits.RowOrderBlocksMax);

    public static void Emit(SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, SegmentLayout layout, TargetFeatures features)
    {
        string type = spec.Element.Keyword();
        string v = layout.Width.Class;
        int lanes = layout.Lanes;
        int whole = layout.LoopIterations * lanes;
        // Channels after the whole blocks: their statistics (or scales) from a last block ending at the last channel,
        // overlapping the one before it; their store with narrower vectors and single values.
        int? overlap = layout.After.Count > 0 ? plan.Channels - lanes : null;
        int tableLength = overlap is null ? whole : plan.Channels;
        if (spec.Training)
        {
            int group = Limits.RowOrderTrainingBlocksMax;
            writer.Line($"// {layout.LoopIterations} blocks of {lanes} channels: the sums {group} blocks at a time (a group's sums in registers), each group");
            writer.Line("// over every row, into stack tables; then each block's statistics, and the store pass by chunks of rows.");
            InOrderBatchNormEmitter.DeclareBuffers(writer, type, tableLength, "shifts", "mus", "scales");
            // Double blocks keep no squares: their statistics take a second pass around the mean (RowOrderBatchNormEmitter).
            InOrderBatchNormEmitter.DeclareBuffers(writer, "double", tableLength, spec.Element == ElementType.Float ? ["sums", "squares"] : ["sums"]);
            EmitGroups(writer, layout, group, (count, first) => EmitGroupSums(writer, spec, plan, layout, features, count, first));
            if (overlap is int last)
            {
                using (writer.Block($"// Channels [{last}, {plan.Channels}): a last block, overlapping the one before it"))
                {
                    EmitGroupSums(writer, spec, plan, layout, features, 1, last);
                }
            }

            EmitStatistics(writer, spec, plan, layout, overlap);
        }
        else
        {
            writer.Line($"// {layout.LoopIterations} blocks of {lanes} channels, more than the registers hold: each channel's");
            writer.Line("// scale = weight / sqrt(runningVar + eps) into a stack table; then the store pass by chunks of rows.");
            InOrderBatchNormEmitter.DeclareBuffers(writer, type, tableLength, "scales");
            var lanesOf = new Halves(writer, v, spec.Element == ElementType.Float);
            string eps = $"{v}.Create({Literals.Double(spec.Epsilon)})";
            void Scales(string c)
            {
                lanesOf.Widen("variance", VectorPasses.Load(v, "runningVarRef", c));
                if (spec.HasWeight)
                {
                    lanesOf.Widen("gamma", VectorPasses.Load(v, "weightRef", c));
                }

                string scale(string h) => $"{v}.Create(1.0) / {v}.Sqrt(variance{h} + {eps}){(spec.HasWeight ? $" * gamma{h}" : "")}";
                writer.Line(VectorPasses.Store(v, lanesOf.Narrow(scale), "scalesRef", c));
            }

            using (writer.Block($"for (nuint c = 0; c < {whole}; c += {lanes})"))
            {
                Scales("c");
            }

            if (overlap is int last)
            {
                using (writer.Block($"// Channels [{last}, {plan.Channels}): a last block, overlapping the one before it"))
                {
                    Scales(Literals.Int(last));
                }
            }
        }

        EmitStorePass(writer, spec, plan, layout, features);
    }

    /// <summary>
    /// y = (x - shift - mu) * scale + b (inference: (x - runningMean) * scale + b) over the whole blocks, a chunk of rows
    /// at a time (in L1), each group of blocks with its per-channel values in registers: loaded once a chunk, not with
    /// every vector (four loads besides x's took [16, 16, 16, 256] training's store pass 142 to 171 us, 127 this way).
    /// </summary>
    private static void EmitStorePass(SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, SegmentLayout layout, TargetFeatures features)
    {
        string type = spec.Element.Keyword();
        string v = layout.Width.Class;
        int group = spec.Training ? Limits.RowOrderTrainingBlocksMax : Limits.RowOrderBlocksMax;
        int rows = ChunkRows(plan, spec.Element.Size());
        long chunkElements = (long)rows * plan.Channels;
        long rowsEnd = (long)plan.Outer * plan.Channels;
        writer.Line(spec.Training
            ? $"// y = (x - shift - mu) * scale + b, {rows} row(s) at a time, each group of {group} blocks with its values from the tables in registers,"
            : $"// y = (x - runningMean) * scale + b, {rows} row(s) at a time, each group of {group} blocks with its values in registers,");
        writer.Line("// a loop step's vectors loaded before any is stored.");
        bool oneChunk = chunkElements == rowsEnd;
        using (writer.Block(oneChunk ? null : $"for (nuint chunk = 0; chunk < {rowsEnd}; chunk += {chunkElements})"))
        {
            EmitGroups(writer, layout, group, (count, first) =>
            {
                string channel(int k) => Channel(layout, first, k);
                foreach (int k in Enumerable.Range(0, count))
                {
                    DeclareValues(writer, spec, layout.Width, Literals.Int(k), channel(k));
                }

                string start = oneChunk ? channel(0) : channel(0) == "0" ? "chunk" : $"chunk + {channel(0)}";
                writer.Line($"ref {type} x = ref {LayerNormEmitter.At("inputRef", start)};");
                writer.Line($"ref {type} y = ref {LayerNormEmitter.At("outputRef", start)};");
                int step = VectorPasses.RowsPerStoreStep(rows, count);
                EmitRows(writer, spec, features, chunkElements, plan.Channels, step,
                    [.. Enumerable.Range(0, count).Select(k => ((VectorWidth?)layout.Width, Literals.Int(k), (long)k * layout.Lanes))]);
            });

            if (layout.After.Count > 0)
            {
                using (writer.Block($"// Channels [{layout.LoopEnd}, {plan.Channels}): narrower vectors and single values, their values from the tables in registers"))
                {
                    EmitAfter(writer, spec, plan, layout, features, oneChunk ? null : "chunk", chunkElements);
                }
            }
        }
    }

    /// <summary>The store pass over one chunk for the channels after the whole blocks, each piece's values in registers.</summary>
    private static void EmitAfter(SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, SegmentLayout layout, TargetFeatures features, string? chunk, long chunkElements)
    {
        string type = spec.Element.Keyword();
        foreach (Piece piece in layout.After)
        {
            DeclareValues(writer, spec, piece.Width, $"At{piece.Offset}", Literals.Int(piece.Offset));
        }

        writer.Line($"ref {type} x = ref {LayerNormEmitter.At("inputRef", chunk ?? "0")};");
        writer.Line($"ref {type} y = ref {LayerNormEmitter.At("outputRef", chunk ?? "0")};");
        EmitRows(writer, spec, features, chunkElements, plan.Channels, step: 1,
            [.. layout.After.Select(piece => (piece.Width, $"At{piece.Offset}", (long)piece.Offset))]);
    }

    /// <summary>
    /// The row loop over a chunk: <paramref name="step"/> rows at a time, every piece of them (a vector, or a single value
    /// where the width is null) loaded into x0, x1... before any is stored (see <see cref="Limits.StoreUnroll"/>).
    /// </summary>
    private static void EmitRows(
        SourceWriter writer, BatchNormSpec spec, TargetFeatures features, long chunkElements, int channels, int step,
        IReadOnlyList<(VectorWidth? Width, string Suffix, long Column)> pieces)
    {
        using (writer.Block($"for (nuint row = 0; row < {chunkElements}; row += {(long)step * channels})"))
        {
            VectorPasses.EmitRowsLoadedFirst(writer, step, channels, [.. pieces.Select(piece => (piece.Width?.Class, piece.Column))],
                at => at == 0 ? "row" : $"row + {Literals.Int(at)}",
                (k, x, column) => Store(spec, features, pieces[k].Width, pieces[k].Suffix, x, column));
        }
    }

    /// <summary>
    /// A block's (or a narrower piece's, or, with no width, a single channel's) values for the store pass, from the tables
    /// at <paramref name="channel"/>: shift{suffix} and mu{suffix} (inference: center{suffix}), scale{suffix}, b{suffix}.
    /// </summary>
    private static void DeclareValues(SourceWriter writer, BatchNormSpec spec, VectorWidth? width, string suffix, string channel)
    {
        string load(string reference) => width is null ? LayerNormEmitter.At(reference, channel) : VectorPasses.Load(width.Class, reference, channel);
        if (spec.Training)
        {
            writer.Line($"var shift{suffix} = {load("shiftsRef")};");
            writer.Line($"var mu{suffix} = {load("musRef")};");
        }
        else
        {
            writer.Line($"var center{suffix} = {load("runningMeanRef")};");
        }

        writer.Line($"var scale{suffix} = {load("scalesRef")};");
        string type = spec.Element.Keyword();
        writer.Line(spec.HasBias ? $"var b{suffix} = {load("biasRef")};" : width is null ? $"{type} b{suffix} = 0;" : $"var b{suffix} = {width.Class}<{type}>.Zero;");
    }

    /// <summary>
    /// y = (x - shift - mu) * scale + b (inference: (x - center) * scale + b) at <paramref name="column"/> of the row, from
    /// the value loaded into <paramref name="x"/>.
    /// </summary>
    private static string Store(BatchNormSpec spec, TargetFeatures features, VectorWidth? width, string suffix, string x, string column)
    {
        string centered = spec.Training ? $"{x} - shift{suffix} - mu{suffix}" : $"{x} - center{suffix}";
        if (width is null)
        {
            return $"{LayerNormEmitter.At("y", column)} = ({centered}) * scale{suffix} + b{suffix};";
        }

        string value = features.VectorFusedMultiplyAdd ? $"{VectorPasses.MultiplyAddMethod(width.Class)}({centered}, scale{suffix}, b{suffix})" : $"({centered}) * scale{suffix} + b{suffix}";
        return VectorPasses.Store(width.Class, value, "y", column);
    }

    /// <summary>
    /// Rows per chunk of the store pass: the most that divide the rows and take at most
    /// <see cref="Limits.StoreChunkMaxBytes"/> (at least one).
    /// </summary>
    private static int ChunkRows(BatchNormPlan plan, int size)
    {
        long rowBytes = (long)plan.Channels * size;
        int most = (int)Math.Max(1, Math.Min(plan.Outer, Limits.StoreChunkMaxBytes / rowBytes));
        for (int rows = most; rows > 1; rows--)
        {
            if (plan.Outer % rows == 0)
            {
                return rows;
            }
        }

        return 1;
    }

    /// <summary>
    /// The whole blocks in groups of <paramref name="group"/>: a loop over the full groups (g) when there are two or more,
    /// then the blocks left over; <paramref name="body"/>(blocks, first channel or null for g) writes each.
    /// </summary>
    private static void EmitGroups(SourceWriter writer, SegmentLayout layout, int group, Action<int, int?> body)
    {
        int lanes = layout.Lanes;
        int fullGroups = layout.LoopIterations / group;
        int rest = layout.LoopIterations % group;
        if (fullGroups > 1)
        {
            using (writer.Block($"for (nuint g = 0; g < {fullGroups * group * lanes}; g += {group * lanes})"))
            {
                body(group, null);
            }
        }
        else if (fullGroups == 1)
        {
            using (writer.Block($"// Channels [0, {group * lanes})"))
            {
                body(group, 0);
            }
        }

        if (rest > 0)
        {
            int first = fullGroups * group * lanes;
            using (writer.Block($"// Channels [{first}, {layout.LoopIterations * lanes})"))
            {
                body(rest, first);
            }
        }
    }

    /// <summary>Block k's first channel: a constant, or g + k x lanes in the loop over groups.</summary>
    private static string Channel(SegmentLayout layout, int? first, int k) =>
        first is int f ? Literals.Int(f + (k * layout.Lanes)) : k == 0 ? "g" : $"g + {Literals.Int(k * layout.Lanes)}";

    /// <summary>
    /// One group of <paramref name="count"/> blocks from channel <paramref name="first"/> (null: the loop's g): its sums
    /// over every row, into the tables (a double table holds a float block's Lo half, then its Hi half: by channel).
    /// </summary>
    private static void EmitGroupSums(SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, SegmentLayout layout, TargetFeatures features, int count, int? first)
    {
        string v = layout.Width.Class;
        string channel(int k) => Channel(layout, first, k);
        writer.Line($"ref {spec.Element.Keyword()} first = ref {LayerNormEmitter.At("inputRef", channel(0))};");
        int[] blocks = Enumerable.Range(0, count).ToArray();
        RowOrderBatchNormEmitter.EmitSums(writer, spec, plan, layout, features, [.. blocks.Select(k => k * layout.Lanes)], "first");
        foreach (int k in blocks)
        {
            writer.Line(VectorPasses.Store(v, $"shift{k}", "shiftsRef", channel(k)));
            foreach ((string half, string at) in DoubleHalves(spec, layout, channel(k)))
            {
                writer.Line(VectorPasses.Store(v, $"sum{k}Total{half}", "sumsRef", at));
                if (spec.Element == ElementType.Float)
                {
                    writer.Line(VectorPasses.Store(v, $"sq{k}Total{half}", "squaresRef", at));
                }
            }
        }
    }

    /// <summary>
    /// Each block's statistics from its totals (the code written once, a loop over the blocks): mu and scale into the
    /// tables. Then the last block overlapping the one before it, if any, with the old running statistics of its channels
    /// read before the loop updates some of them.
    /// </summary>
    private static void EmitStatistics(SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, SegmentLayout layout, int? overlap)
    {
        string type = spec.Element.Keyword();
        string v = layout.Width.Class;
        (string, string)? oldRunning = null;
        if (overlap is int before && spec.HasRunningStatistics)
        {
            writer.Line("// The last block overlaps the one before it: its old running statistics, read before the loop updates the channels they share.");
            writer.Line($"var oldRunningMeanLast = {VectorPasses.Load(v, "runningMeanRef", Literals.Int(before))};");
            writer.Line($"var oldRunningVarLast = {VectorPasses.Load(v, "runningVarRef", Literals.Int(before))};");
            oldRunning = ("oldRunningMeanLast", "oldRunningVarLast");
        }

        void Block(string c, (string, string)? old)
        {
            writer.Line($"ref {type} first = ref {LayerNormEmitter.At("inputRef", c)};");
            writer.Line($"var shift0 = {VectorPasses.Load(v, "shiftsRef", c)};");
            foreach ((string half, string at) in DoubleHalves(spec, layout, c))
            {
                writer.Line($"var sum0Total{half} = {VectorPasses.Load(v, "sumsRef", at)};");
                if (spec.Element == ElementType.Float)
                {
                    writer.Line($"var sq0Total{half} = {VectorPasses.Load(v, "squaresRef", at)};");
                }
            }

            writer.Line($"{v}<{type}> mu0, scale0;");
            using (writer.Block())
            {
                RowOrderBatchNormEmitter.EmitBlockStatistics(
                    new Halves(writer, v, spec.Element == ElementType.Float), spec, plan, 0, "first", "0", c, old);
            }

            writer.Line(VectorPasses.Store(v, "mu0", "musRef", c));
            writer.Line(VectorPasses.Store(v, "scale0", "scalesRef", c));
        }

        writer.Line("// Each block's statistics from its totals; mu and scale = invStd * weight into the tables.");
        using (writer.Block($"for (nuint c = 0; c < {layout.LoopIterations * layout.Lanes}; c += {layout.Lanes})"))
        {
            Block("c", null);
        }

        if (overlap is int last)
        {
            using (writer.Block($"// Channels [{last}, {plan.Channels}): the last block"))
            {
                Block(Literals.Int(last), oldRunning);
            }
        }
    }

    /// <summary>A block's double halves and where each sits in a table indexed by channel: (Lo, c), (Hi, c + lanes / 2); or ("", c).</summary>
    private static (string Half, string At)[] DoubleHalves(BatchNormSpec spec, SegmentLayout layout, string channel) =>
        spec.Element == ElementType.Float ? [("Lo", channel), ("Hi", $"{channel} + {Literals.Int(layout.Lanes / 2)}")] : [("", channel)];
}

using FixedNorm.Generator.Model;
using FixedNorm.Generator.Planning;

namespace FixedNorm.Generator.Emitting;

/// <summary>
/// BatchNorm over (N, C, L...) with several runs per channel, in memory order: every pass reads the runs in the
/// order they lie in memory, so reads and writes stream, with per-channel values in stack buffers.
/// Inference: one pass. Training: one pass for the statistics, one to normalize.
/// </summary>
internal static class InOrderBatchNormEmitter
{
    public static bool Applies(BatchNormPlan plan) =>
        plan.Channels > 1 && plan.Outer > 1 && plan.Channels <= Limits.StackChannelsMax;

    /// <summary>Inference: each channel's center, scale and bias once, then one pass.</summary>
    public static void EmitInference(SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, VectorWidth width, TargetFeatures features)
    {
        string type = spec.Element.Keyword();
        writer.Line("// Each channel's center, scale = weight / sqrt(runningVar + eps) and bias, once.");
        DeclareBuffers(writer, type, plan.Channels, "centers", "scales", "biases");
        using (writer.Block($"for (int c = 0; c < {plan.Channels}; c++)"))
        {
            BatchNormEmitter.EmitInferenceStatistics(writer, spec, "c");
            writer.Line($"{LayerNormEmitter.At("centersRef", "c")} = {BatchNormEmitter.Cast(spec)}center;");
            writer.Line($"{LayerNormEmitter.At("scalesRef", "c")} = {BatchNormEmitter.Cast(spec)}scale;");
            writer.Line($"{LayerNormEmitter.At("biasesRef", "c")} = {BatchNormEmitter.Cast(spec)}b;");
        }

        int period = plan.PeriodTableLength(spec.Element, spec.Training);
        if (period > 0)
        {
            EmitPeriodStorePass(writer, spec, plan, width, features, ["center"], period);
            return;
        }

        if (AlignedRunsBatchNormEmitter.Applies(plan, width, spec.Element))
        {
            AlignedRunsBatchNormEmitter.Emit(writer, spec, plan, width, features, ["center"]);
            return;
        }

        writer.Line("// y = (x - center) * scale + b, run by run in memory order, each block of vectors loaded before any is stored.");
        EmitStorePass(writer, spec, plan, width, features, ["center"]);
    }

    /// <summary>
    /// Training: pass 1 sums each run's values (float: raw, in double lanes; double: their deviations from the channel's
    /// first value) and the squares of those deviations (in the element type's lanes within a visit of up to 4 runs, in
    /// doubles across visits); then each channel's statistics; pass 2 normalizes. Inputs over
    /// <see cref="Limits.ChannelBlockMaxBytes"/> run the three per block of channels.
    /// </summary>
    public static void EmitTraining(SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, VectorWidth width, TargetFeatures features)
    {
        string type = spec.Element.Keyword();
        int channels = plan.Channels;
        var passes = new VectorPasses(writer, spec.Element, SumsWidth(width, spec.Element, plan.Inner), features.VectorFusedMultiplyAdd);
        bool vectorPartials = (long)channels * passes.PartialsLength * sizeof(double) <= Limits.StackPartialsMaxBytes;

        // Scalar totals per channel, where the partials do not take everything (runs under a vector, or too many channels
        // for them).
        bool totals = !vectorPartials || !passes.CoveredByVectors(plan.Inner);

        bool cleared = !features.StackZeroed;
        writer.Line(cleared
            ? "// Per channel: shift (its first value); its sums and sums of squares, in double, cleared here (the project allows"
            : "// Per channel: shift (its first value); its sums and sums of squares, in double (stackalloc starts them at zero:");
        writer.Line(cleared
            ? "// unsafe code, so [SkipLocalsInit] may leave stackalloc's memory as it was); mu (the mean of x - shift), scale and"
            : "// the project does not allow unsafe code, which [SkipLocalsInit] needs); mu (the mean of x - shift), scale and");
        writer.Line("// bias for pass 2.");
        DeclareBuffers(writer, type, channels, "shifts");
        if (totals)
        {
            DeclareBuffers(writer, "double", channels, cleared, "sums", "squares");
        }

        if (vectorPartials)
        {
            writer.Line("// Whole vectors add into two double vectors per channel (partials), whose lanes are added once at the end.");
            DeclareBuffers(writer, "double", channels * passes.PartialsLength, cleared, "partials");
        }

        DeclareBuffers(writer, type, channels, "mus", "scales", "biases");
        using (writer.Block($"for (int c = 0; c < {channels}; c++)"))
        {
            writer.Line($"{LayerNormEmitter.At("shiftsRef", "c")} = {LayerNormEmitter.At("inputRef", $"c * {plan.Inner}")};");
        }

        writer.Line();
        int block = ChannelsPerBlock(plan, spec.Element.Size());
        if (block == channels)
        {
            bool streamed = AlignedRunsBatchNormEmitter.Applies(plan, width, spec.Element) && NonTemporalStores.Applies(spec, plan);
            EmitTrainingPasses(writer, spec, plan, width, features, passes, vectorPartials, totals, $"for (int c = 0; c < {channels}; c++)", plan.PeriodTableLength(spec.Element, spec.Training), streamed);
            return;
        }

        if (PipelinedBlocks.Applies(spec, plan, width, passes, vectorPartials, totals))
        {
            EmitPipelinedBlocks(writer, spec, plan, width, features, passes, PipelinedChannelsPerBlock(plan, spec.Element.Size(), block));
            return;
        }

        writer.Line($"// {channels / block} blocks of {block} channels: each block's statistics, then its output, while the block's");
        writer.Line($"// {(long)block * plan.Outer * plan.Inner * spec.Element.Size() / 1024} KB of input are still in cache.");
        using (writer.Block($"for (int first = 0; first < {channels}; first += {block})"))
        {
            EmitTrainingPasses(writer, spec, plan, width, features, passes, vectorPartials, totals, $"for (int c = first; c < first + {block}; c++)");
        }
    }

    /// <summary>
    /// The blocks of channels as a pipeline (<see cref="PipelinedBlocks"/>): the first block's statistics; then, per block,
    /// its output in one loop with the next block's sums, and the next block's statistics; the last block's output.
    /// </summary>
    private static void EmitPipelinedBlocks(
        SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, VectorWidth width, TargetFeatures features, VectorPasses passes, int block)
    {
        int channels = plan.Channels;
        writer.Line($"// {channels / block} blocks of {block} channels, as a pipeline: the first block's statistics; then each block's output in");
        writer.Line("// the same loop as the next block's sums (the widening to double overlaps the stores), and the next block's");
        writer.Line($"// statistics; then the last block's output. A block's {(long)block * plan.Outer * plan.Inner * spec.Element.Size() / 1024} KB of input are read from cache the second time.");
        writer.Line();
        string firstBlock = $"for (int c = 0; c < {block}; c++)";
        EmitSumsPass(writer, spec, plan, passes, vectorPartials: true, totals: false, firstBlock);
        writer.Line();
        EmitChannelStatistics(writer, spec, plan, passes, vectorPartials: true, totals: false, firstBlock);
        writer.Line();
        using (writer.Block($"for (int first = 0; first < {channels - block}; first += {block})"))
        {
            PipelinedBlocks.EmitPass(writer, plan, width, passes, features.VectorFusedMultiplyAdd, block);
            writer.Line();
            EmitChannelStatistics(writer, spec, plan, passes, vectorPartials: true, totals: false, $"for (int c = first + {block}; c < first + {2 * block}; c++)");
        }

        writer.Line();
        writer.Line("// Pass 2 of the last block: y = (x - shift - mu) * scale + b, run by run in memory order, each block of vectors loaded before any is stored.");
        EmitStorePass(writer, spec, plan, width, features, ["shift", "mu"], $"for (int c = {channels - block}; c < {channels}; c++)");
    }

    /// <summary>
    /// Pass 1, the channel statistics and pass 2 over the channels <paramref name="channelLoop"/> visits; pass 2 as the
    /// aligned runs pass with non-temporal stores when <paramref name="streamed"/> (every channel, whole-vector runs,
    /// a large output).
    /// </summary>
    private static void EmitTrainingPasses(
        SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, VectorWidth width, TargetFeatures features, VectorPasses passes, bool vectorPartials, bool totals, string channelLoop,
        int period = 0, bool streamed = false)
    {
        EmitSumsPass(writer, spec, plan, passes, vectorPartials, totals, channelLoop);
        writer.Line();
        EmitChannelStatistics(writer, spec, plan, passes, vectorPartials, totals, channelLoop);
        writer.Line();
        if (period > 0)
        {
            writer.Line("// Pass 2: y = (x - shift - mu) * scale + b.");
            EmitPeriodStorePass(writer, spec, plan, width, features, ["shift", "mu"], period);
            return;
        }

        if (streamed)
        {
            // In a block of its own: its broadcasts (shift512, ...) share names with pass 1's.
            using (writer.Block("// Pass 2: y = (x - shift - mu) * scale + b."))
            {
                AlignedRunsBatchNormEmitter.Emit(writer, spec, plan, width, features, ["shift", "mu"]);
            }

            return;
        }

        writer.Line("// Pass 2: y = (x - shift - mu) * scale + b, run by run in memory order, each block of vectors loaded before any is stored.");
        EmitStorePass(writer, spec, plan, width, features, ["shift", "mu"], channelLoop);
    }

    /// <summary>
    /// Channels per block of the training passes: all of them when the input fits <see cref="Limits.ChannelBlockMaxBytes"/>;
    /// else the most channels that divide them, fit it and still give each row a contiguous read of
    /// <see cref="Limits.ChannelBlockMinRunBytes"/> (the prefetchers' stream); all of them when no count does.
    /// </summary>
    private static int ChannelsPerBlock(BatchNormPlan plan, int elementSize)
    {
        long channelBytes = (long)plan.Outer * plan.Inner * elementSize;
        if (channelBytes * plan.Channels <= Limits.ChannelBlockMaxBytes)
        {
            return plan.Channels;
        }

        for (int block = plan.Channels - 1; block > 0; block--)
        {
            if (plan.Channels % block == 0 && block * channelBytes <= Limits.ChannelBlockMaxBytes)
            {
                return (long)block * plan.Inner * elementSize >= Limits.ChannelBlockMinRunBytes ? block : plan.Channels;
            }
        }

        return plan.Channels;
    }

    /// <summary>
    /// Channels per block of the pipeline: the fewest that divide the channels and still give each row a contiguous read of
    /// <see cref="Limits.ChannelBlockMinRunBytes"/>, so that less of the work falls outside it (the first block's sums
    /// and the last block's stores). [32, 64, 128] (stand-alone, 2026-12-05): 44.3 to 44.8 us in blocks of 8 channels,
    /// 44.6 to 46.2 in blocks of 4, 45.5 to 46.1 in blocks of 16, 48.8 to 49.1 in blocks of 2.
    /// </summary>
    private static int PipelinedChannelsPerBlock(BatchNormPlan plan, int elementSize, int largest)
    {
        for (int block = 1; block < largest; block++)
        {
            if (plan.Channels % block == 0 && (long)block * plan.Inner * elementSize >= Limits.ChannelBlockMinRunBytes)
            {
                return block;
            }
        }

        return largest;
    }

    /// <summary>
    /// The vectors of the statistics pass: the path's, or on runs shorter than that the widest that fits a run (a run of
    /// 10 floats on the Vector512 path: a Vector256 and a masked one, not a Vector256 and two single values), so runs
    /// end in a masked vector and are visited several at a time.
    /// </summary>
    private static VectorWidth SumsWidth(VectorWidth path, ElementType element, int inner) =>
        VectorWidth.All.FirstOrDefault(candidate => candidate.Bits <= path.Bits && candidate.Lanes(element) <= inner) ?? path;

    /// <summary>Pass 1: the totals of each channel's runs' sums and squares, in the vectors of <paramref name="passes"/>.</summary>
    private static void EmitSumsPass(
        SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, VectorPasses passes, bool vectorPartials, bool totals, string channelLoop)
    {
        VectorWidth width = passes.Width;
        string type = spec.Element.Keyword();
        string broadcast(string vector) => vector == type ? "shift" : vector == width.Class ? "shift" + width.Suffix : $"{vector}.Create(shift)";

        // Several runs of a channel per visit (the same channel in the next rows) share the accumulators: fewer loads
        // and stores of its partials per vector read.
        int runs = RunsPerVisit(plan, passes);
        List<string> references = [.. Enumerable.Range(0, runs).Select(r => r == 0 ? "x" : "x" + r)];
        string order = runs == 1 ? "in memory order" : $"in memory order, {runs} rows at a time";
        passes.DeclareTailMask(plan.Inner);
        writer.Line(spec.Element == ElementType.Float
            ? $"// Pass 1, {order}: each run's sum (in double lanes) and the squares of its deviations"
            : $"// Pass 1, {order}: the sums of each run's deviations and of their squares (deviations");
        writer.Line(spec.Element == ElementType.Float
            ? "// from the channel's first value (shift), added into the channel's double sums."
            : "// from the channel's first value, shift), added into the channel's sums.");
        using (writer.Block($"for (nuint o = 0; o < {(long)plan.Outer * plan.RunStride}; o += {(long)runs * plan.RunStride})"))
        using (writer.Block(channelLoop))
        {
            writer.Line($"ref {type} x = ref {LayerNormEmitter.At("inputRef", $"o + (nuint)(c * {plan.Inner})")};");
            for (int r = 1; r < runs; r++)
            {
                writer.Line($"ref {type} x{r} = ref {LayerNormEmitter.At("x", Literals.Int((long)r * plan.RunStride))};");
            }

            writer.Line($"{type} shift = {LayerNormEmitter.At("shiftsRef", "c")};");
            writer.Line($"var shift{width.Suffix} = {width.Class}.Create(shift);");
            if (totals)
            {
                writer.Line("double sum = 0, sumOfSquares = 0;");
            }

            if (vectorPartials)
            {
                writer.Line($"ref double partial = ref {LayerNormEmitter.At("partialsRef", $"c * {passes.PartialsLength}")};");
            }

            passes.SumRawAndSquares("sum", "sumOfSquares", plan.Inner, references, broadcast, vectorPartials ? "partial" : null);
            if (totals)
            {
                writer.Line($"{LayerNormEmitter.At("sumsRef", "c")} += sum;");
                writer.Line($"{LayerNormEmitter.At("squaresRef", "c")} += sumOfSquares;");
            }
        }
    }

    /// <summary>
    /// How many runs of a channel pass 1 reads per visit: up to <see cref="Limits.RunsPerVisitMax"/>, dividing the rows,
    /// and no more float squares per accumulator than one <see cref="Limits.SumChunk"/> of a single run would add. Runs
    /// under a vector take one at a time: each row repeats the whole segment's code, and with narrower vectors and single
    /// elements, 4 rows of 255 floats made a 101,000-character file (over BoundedOutputTests' bound); longer runs end in
    /// one masked vector instead.
    /// </summary>
    private static int RunsPerVisit(BatchNormPlan plan, VectorPasses passes)
    {
        if (!passes.CoveredByVectors(plan.Inner))
        {
            return 1;
        }

        int runs = Limits.RunsPerVisitMax;
        while (runs > 1 && (plan.Outer % runs != 0 || (long)runs * plan.Inner > Limits.SumChunk))
        {
            runs /= 2;
        }

        return runs;
    }

    /// <summary>
    /// Per channel: mu (the mean of x - shift) and the centered sum of squares, once more in double where the float sums
    /// cannot be trusted; the stored statistics; then mu, scale and bias into stack buffers for pass 2.
    /// </summary>
    private static void EmitChannelStatistics(
        SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, VectorPasses passes, bool vectorPartials, bool totals, string channelLoop)
    {
        string type = spec.Element.Keyword();
        string n = Literals.Int(plan.Count);
        writer.Line("// Each channel's statistics; then mu (the mean of x - shift), scale and bias for pass 2.");
        using (writer.Block(channelLoop))
        {
            writer.Line($"{type} shift = {LayerNormEmitter.At("shiftsRef", "c")};");
            string[] names = ["sum", "squareSum"];
            string[] buffers = ["sumsRef", "squaresRef"];
            if (vectorPartials)
            {
                writer.Line($"ref double partial = ref {LayerNormEmitter.At("partialsRef", $"c * {passes.PartialsLength}")};");
            }

            // Each total: the channel's scalar total (tails), the lanes of its partials, or both.
            IEnumerable<string> Terms(int k) =>
                (totals ? [LayerNormEmitter.At(buffers[k], "c")] : Array.Empty<string>())
                    .Concat(vectorPartials ? [passes.PartialTotal("partial", k)] : []);
            writer.Line($"double {string.Join(", ", names.Select((name, k) => $"{name} = {string.Join(" + ", Terms(k))}"))};");

            if (spec.Element == ElementType.Float)
            {
                writer.Line("// mu, the mean of x - shift, from the raw sum: the values added in double lanes, like PyTorch's double accumulator.");
                writer.Line($"double mu = (sum / {n}) - shift;");
            }
            else
            {
                writer.Line("// mu, the mean of x - shift, from the sum of the deviations.");
                writer.Line($"double mu = sum / {n};");
            }

            writer.Line($"double sumOfSquares = squareSum - ({n} * mu * mu);");
            using (writer.Block($"if (!double.IsFinite(sumOfSquares) || {n} * mu * mu > {Limits.ShiftDeviationsMax * Limits.ShiftDeviationsMax} * sumOfSquares)"))
            {
                writer.Line($"// The squares overflowed, the values hold NaN/Inf, or the first value lies more than {Limits.ShiftDeviationsMax} standard");
                writer.Line("// deviations from the mean, so the sums above cancel: the channel once more around the mean just found, each");
                writer.Line("// deviation in double (the corrected two-pass algorithm).");
                writer.Line("double center = double.IsFinite(mu) ? shift + mu : shift;");
                writer.Line("double sumD = 0, squaresD = 0;");
                using (writer.Block($"for (nuint o = 0; o < {(long)plan.Outer * plan.RunStride}; o += {plan.RunStride})"))
                using (writer.Block($"for (nuint i = 0; i < {plan.Inner}; i++)"))
                {
                    writer.Line($"double d = {LayerNormEmitter.AsDouble(spec.Element, LayerNormEmitter.At("inputRef", $"o + (nuint)(c * {plan.Inner}) + i"))} - center;");
                    writer.Line("sumD += d;");
                    writer.Line("squaresD += d * d;");
                }

                writer.Line($"mu = (center - shift) + (sumD / {n});");
                writer.Line($"sumOfSquares = squaresD - (sumD * sumD / {n});");
            }

            writer.Line($"sumOfSquares = {Names.Math}.Max(0, sumOfSquares);");
            BatchNormEmitter.EmitTrainingStatistics(writer, spec, plan, "c");
            writer.Line($"{LayerNormEmitter.At("musRef", "c")} = {BatchNormEmitter.Cast(spec)}mu;");
            writer.Line($"{LayerNormEmitter.At("scalesRef", "c")} = {BatchNormEmitter.Cast(spec)}scale;");
            writer.Line($"{LayerNormEmitter.At("biasesRef", "c")} = {BatchNormEmitter.Cast(spec)}b;");
        }
    }

    /// <summary>"Span&lt;T&gt; name = stackalloc T[count];" and "ref T nameRef = ..." for each name.</summary>
    internal static void DeclareBuffers(SourceWriter writer, string type, int count, params string[] names) =>
        DeclareBuffers(writer, type, count, cleared: false, names);

    /// <summary>
    /// The same, each buffer <paramref name="cleared"/> where the kernel adds into it and stackalloc's memory may not start
    /// at zero (<see cref="TargetFeatures.StackZeroed"/>).
    /// </summary>
    internal static void DeclareBuffers(SourceWriter writer, string type, int count, bool cleared, params string[] names)
    {
        foreach (string name in names)
        {
            writer.Line($"global::System.Span<{type}> {name} = stackalloc {type}[{count}];");
        }

        if (cleared)
        {
            foreach (string name in names)
            {
                writer.Line($"{name}.Clear();");
            }
        }

        foreach (string name in names)
        {
            writer.Line($"ref {type} {name}Ref = ref {Names.MemoryMarshal}.GetReference({name});");
        }
    }

    /// <summary>
    /// y = (x - subtracted...) * scale + b over runs too short for vectors of their own, in memory order a period at a
    /// time (<see cref="BatchNormPlan.PeriodTableLength"/>): each per-channel value laid out per element in a table of
    /// <paramref name="period"/>, so vectors run across the runs' ends. The same operations in the same order as
    /// <see cref="EmitStorePass"/>.
    /// </summary>
    private static void EmitPeriodStorePass(
        SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, VectorWidth width, TargetFeatures features, string[] subtracted, int period)
    {
        string type = spec.Element.Keyword();
        var passes = new VectorPasses(writer, spec.Element, width, features.VectorFusedMultiplyAdd);
        string[] names = [.. subtracted, "scale", "b"];
        writer.Line($"// Runs of {plan.Inner} values, too short for vectors of their own: element e is of channel (e / {plan.Inner}) % {plan.Channels}, a pattern");
        writer.Line($"// that repeats every {plan.RunStride} elements. Each channel's values are laid out per element in a table of {period} (whole");
        writer.Line("// 64-byte lines), and the pass takes that many elements at a time in memory order.");
        int lanes = 64 / spec.Element.Size();
        int pathLanes = width.Lanes(spec.Element);
        int stores = (plan.Inner + pathLanes - 1) / pathLanes;
        writer.Line($"// The tables in one stack buffer from a 64-byte line on. A run is filled with {(stores == 1 ? "a vector" : $"{stores} vectors")}; the lanes past its end");
        writer.Line("// go to the next run, the next table or the padding, and are written over in order.");
        writer.Line($"global::System.Span<{type}> tables = stackalloc {type}[{((long)names.Length * period) + (2 * lanes) - 1}];");
        for (int t = 0; t < names.Length; t++)
        {
            string start = t == 0 ? $"{Names.MemoryHints}.AlignedCopyStart(tables, 0, 64)" : LayerNormEmitter.At($"{names[0]}TableRef", Literals.Int((long)t * period));
            writer.Line($"ref {type} {names[t]}TableRef = ref {start};");
        }

        writer.Line($"// Each table in order, each run of each channel in order ({period / plan.RunStride} period(s) of {plan.Channels} channels).");
        foreach (string name in names)
        {
            bool onePeriod = period == plan.RunStride;
            using (writer.Block((onePeriod ? "" : $"for (int r = 0; r < {period}; r += {plan.RunStride}) ") + $"for (int c = 0; c < {plan.Channels}; c++)"))
            {
                writer.Line($"var value = {width.Class}.Create({LayerNormEmitter.At(BufferOf(name) + "Ref", "c")});");
                string run = onePeriod ? $"c * {plan.Inner}" : $"r + c * {plan.Inner}";
                for (int k = 0; k < stores; k++)
                {
                    writer.Line(VectorPasses.Store(width.Class, "value", $"{name}TableRef", k == 0 ? $"(nuint)({run})" : $"(nuint)({run} + {k * pathLanes})"));
                }
            }
        }

        void Pass(int length) => EmitNormalized(passes, length, subtracted,
            (vector, name, offset) => VectorPasses.Load(vector, name + "TableRef", offset),
            (name, offset) => LayerNormEmitter.At(name + "TableRef", offset));

        long total = (long)plan.Outer * plan.RunStride;
        long whole = total / period * period;
        using (writer.Block($"for (nuint p = 0; p < {whole}; p += {period})"))
        {
            writer.Line($"ref {type} x = ref {LayerNormEmitter.At("inputRef", "p")};");
            writer.Line($"ref {type} y = ref {LayerNormEmitter.At("outputRef", "p")};");
            Pass(period);
        }

        if (whole < total)
        {
            using (writer.Block($"// The last {total - whole} elements: the start of a period."))
            {
                writer.Line($"ref {type} x = ref {LayerNormEmitter.At("inputRef", Literals.Int(whole))};");
                writer.Line($"ref {type} y = ref {LayerNormEmitter.At("outputRef", Literals.Int(whole))};");
                Pass((int)(total - whole));
            }
        }
    }

    private static string BufferOf(string name) => name == "b" ? "biases" : name + "s";

    /// <summary>y = (x - subtracted...) * scale + b over every run in memory order, per-channel values from the buffers.</summary>
    private static void EmitStorePass(
        SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, VectorWidth width, TargetFeatures features, string[] subtracted, string? channelLoop = null)
    {
        string type = spec.Element.Keyword();
        string v = width.Class;
        var passes = new VectorPasses(writer, spec.Element, width, features.VectorFusedMultiplyAdd);
        string[] names = [.. subtracted, "scale", "b"];
        using (writer.Block($"for (nuint o = 0; o < {(long)plan.Outer * plan.RunStride}; o += {plan.RunStride})"))
        using (writer.Block(channelLoop ?? $"for (int c = 0; c < {plan.Channels}; c++)"))
        {
            writer.Line($"ref {type} x = ref {LayerNormEmitter.At("inputRef", $"o + (nuint)(c * {plan.Inner})")};");
            writer.Line($"ref {type} y = ref {LayerNormEmitter.At("outputRef", $"o + (nuint)(c * {plan.Inner})")};");
            foreach (string name in names)
            {
                writer.Line($"{type} {name}T = {LayerNormEmitter.At(BufferOf(name) + "Ref", "c")};");
            }

            foreach (string name in names)
            {
                writer.Line($"var {name}{width.Suffix} = {v}.Create({name}T);");
            }

            EmitNormalized(passes, plan.Inner, subtracted,
                (vector, name, _) => vector == v ? name + width.Suffix : $"{vector}.Create({name}T)",
                (name, _) => name + "T");
        }
    }

    /// <summary>
    /// y = (x - subtracted...) * scale + b for every vector and element of [0, length) from x to y, each per-channel
    /// value (subtracted, "scale", "b") at an offset given by <paramref name="vectorValue"/> and <paramref name="scalarValue"/>.
    /// </summary>
    private static void EmitNormalized(
        VectorPasses passes, int length, string[] subtracted, Func<string, string, string, string> vectorValue, Func<string, string, string> scalarValue) =>
        passes.ForEach(length, ["x"],
            (vector, offset, loaded, stores) =>
            {
                string centered = BatchNormEmitter.Centered(loaded("x"), subtracted.Select(s => vectorValue(vector, s, offset)));
                string multiplyAdd = passes.MultiplyAdd(vector, $"({centered})", vectorValue(vector, "scale", offset), vectorValue(vector, "b", offset));
                return stores.Store(vector, multiplyAdd, "y", offset);
            },
            offset =>
            {
                string centered = BatchNormEmitter.Centered(LayerNormEmitter.At("x", offset), subtracted.Select(s => scalarValue(s, offset)));
                return $"{LayerNormEmitter.At("y", offset)} = ({centered}) * {scalarValue("scale", offset)} + {scalarValue("b", offset)};";
            });
}

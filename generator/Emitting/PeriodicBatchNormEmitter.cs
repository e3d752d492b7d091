using FixedNorm.Generator.Model;
using FixedNorm.Generator.Planning;

namespace FixedNorm.Generator.Emitting;

/// <summary>
/// A float tensor whose rows of C x L values are shorter than a Vector128 in their runs: fewer channels than a Vector128
/// holds (inner 1, C &lt;= 3), such as 256 rows of 3 features, or runs of 2 or 3 values, such as (128, 2, 2). The data
/// streamed as Vector256s in memory order. Element e belongs to channel (e / L) % C, so the channels of a vector's lanes
/// repeat every lcm(C x L, 8) elements (one vector for C x L = 1, 2, 4 or 8, three for 3, 6, 12 or 24); per-channel
/// values are laid out in that order once, and the loops take whole periods. Training sums deviations in double lanes
/// and folds the lanes into channels after each pass; the scalar statistics per channel are the unrolled plan's.
/// </summary>
internal static class PeriodicBatchNormEmitter
{
    private const string V = "global::System.Runtime.Intrinsics.Vector256";
    private const int Lanes = 8;

    public static string Describe(BatchNormPlan plan) =>
        $"the values as Vector256s in memory order, each channel's values laid out in the lanes' repeating channel order (every {Period(plan)} elements).";

    /// <summary>Elements after which the lanes' channels repeat: lcm(C x L, 8).</summary>
    public static int Period(BatchNormPlan plan) => BatchNormPlan.Period(plan.RunStride, Lanes);

    public static void Emit(SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, TargetFeatures features)
    {
        var layout = new Layout(plan);
        writer.Line();
        using (writer.Block($"if ({V}.IsHardwareAccelerated)"))
        {
            string channelOf = plan.Inner == 1 ? $"e % {plan.Channels}" : $"(e / {plan.Inner}) % {plan.Channels}";
            writer.Line(plan.Channels == 1
                ? $"// One channel: vector q holds elements {Lanes}q to {Lanes}q + 7."
                : $"// Element e is of channel {channelOf}; vector q of a period of {layout.Vectors} holds elements {Lanes}q to {Lanes}q + 7.");
            writer.Line("ref float x = ref inputRef;");
            writer.Line("ref float y = ref outputRef;");
            if (spec.Training)
            {
                EmitTraining(writer, spec, plan, layout, features);
            }
            else
            {
                EmitInference(writer, spec, layout, features);
            }
        }

        using (writer.Block("else"))
        {
            if (plan.FitsUnrolled)
            {
                ScalarBatchNormEmitter.EmitUnrolled(writer, spec, plan);
            }
            else
            {
                ScalarBatchNormEmitter.EmitStrided(writer, spec, plan);
            }
        }
    }

    /// <summary>
    /// y = (x - runningMean) * scale + bias with scale = weight / sqrt(runningVar + eps) in float, as PyTorch's
    /// inference kernel (and the 8-row pattern plan) computes it.
    /// </summary>
    private static void EmitInference(SourceWriter writer, BatchNormSpec spec, Layout layout, TargetFeatures features)
    {
        int channels = layout.Channels;
        writer.Line("// Each channel's constants, in float: its running mean, scale = weight / sqrt(runningVar + eps) and bias.");
        for (int c = 0; c < channels; c++)
        {
            string at(string reference) => LayerNormEmitter.At(reference, Literals.Int(c));
            string scale = $"1f / {Names.MathF}.Sqrt({at("runningVarRef")} + (float){Literals.Double(spec.Epsilon)})" + (spec.HasWeight ? $" * {at("weightRef")}" : "");
            writer.Line($"float center{c} = {at("runningMeanRef")}, scale{c} = {scale}{(spec.HasBias ? $", bias{c} = {at("biasRef")}" : "")};");
        }

        EmitStorePass(writer, spec.HasBias, layout, features, "center", null);
    }

    private static void EmitTraining(SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, Layout layout, TargetFeatures features)
    {
        int channels = layout.Channels;
        writer.Line("// Each channel's first value (row 0), the shift the statistics are taken around, in double.");
        writer.Line($"double {string.Join(", ", Enumerable.Range(0, channels).Select(c => $"shift{c} = {LayerNormEmitter.AsDouble(spec.Element, LayerNormEmitter.At("x", Literals.Int(plan.Offset(0, c, 0))))}"))};");
        writer.Line();
        writer.Line("// Pass 1: the deviations from the shifts, widened to double and summed per lane; then per channel.");
        EmitSumPass(writer, layout, features, "shift", "sums", squared: false);
        for (int c = 0; c < channels; c++)
        {
            writer.Line($"double mu{c} = sums{c} / {layout.Count}, mean{c} = shift{c} + mu{c};");
        }

        writer.Line();
        writer.Line("// Pass 2: the squares of the deviations from the means, per lane; then per channel.");
        EmitSumPass(writer, layout, features, "mean", "squares", squared: true);

        writer.Line();
        writer.Line("// Per channel: the statistics (stored where asked for), and the constants of the store pass in float; x - mean");
        writer.Line("// is taken as (x - meanHigh) - meanLow, mean = meanHigh + meanLow, so near the mean the first step is exact.");
        writer.Line($"float {string.Join(", ", Enumerable.Range(0, channels).Select(c => $"meanHigh{c}, meanLow{c}, scale{c}, bias{c}"))};");
        for (int c = 0; c < channels; c++)
        {
            using (writer.Block($"// Channel {c}"))
            {
                writer.Line($"double shift = shift{c}, mu = mu{c}, sumOfSquares = squares{c};");
                BatchNormEmitter.EmitTrainingStatistics(writer, spec, plan, Literals.Int(c));
                writer.Line($"meanHigh{c} = (float)mean{c};");
                writer.Line($"meanLow{c} = (float)(mean{c} - meanHigh{c});");
                writer.Line($"scale{c} = (float)scale;");
                writer.Line($"bias{c} = (float)b;");
            }
        }

        EmitStorePass(writer, hasBias: true, layout, features, "meanHigh", "meanLow");
    }

    /// <summary>
    /// One pass summing each element's deviation from its channel's <paramref name="perLane"/> value (or its square) into a
    /// double per channel, <c>{total}{c}</c>:
    /// each vector widened into two halves of 4 doubles with one accumulator per half of a loop step, the halves with
    /// the same lane order added, their lanes added by channel, and the elements after the last whole vector in scalar
    /// code. <paramref name="perLane"/> names the per-channel doubles the term takes (shift or mean);
    /// <paramref name="squared"/> sums the squares of the deviations instead of the deviations.
    /// </summary>
    private static void EmitSumPass(SourceWriter writer, Layout layout, TargetFeatures features, string perLane, string total, bool squared)
    {
        // Half a of a step (4 lanes) holds elements 4a to 4a + 3; the halves' channel orders repeat every lcm(C x L, 4) / 4.
        int halves = BatchNormPlan.Period(layout.PatternLength, 4) / 4;
        for (int h = 0; h < halves; h++)
        {
            writer.Line($"var {perLane}Lanes{h} = {LaneValues(perLane, 4 * h, 4, layout)};");
        }

        int accumulators = Math.Max(halves, 2 * (layout.LoopEnd > 0 ? layout.StepVectors : layout.RestVectors));
        writer.Line($"{V}<double> {string.Join(", ", Enumerable.Range(0, accumulators).Select(a => $"{total}Acc{a} = default"))};");
        void Body(string offset, int vectors)
        {
            for (int q = 0; q < vectors; q++)
            {
                writer.Line($"var v{q} = {VectorPasses.Load(V, "x", Offset(offset, Lanes * q))};");
                for (int a = 2 * q; a < 2 * q + 2; a++)
                {
                    string deviation = $"{V}.{(a % 2 == 0 ? "WidenLower" : "WidenUpper")}(v{q}) - {perLane}Lanes{a % halves}";
                    string accumulator = $"{total}Acc{a}";
                    if (!squared)
                    {
                        writer.Line($"{accumulator} += {deviation};");
                    }
                    else
                    {
                        writer.Line($"var d{a} = {deviation};");
                        writer.Line(VectorPasses.AddSquare(V, accumulator, $"d{a}", features.VectorFusedMultiplyAdd));
                    }
                }
            }
        }

        EmitLoop(writer, layout, Body);

        // Accumulator a holds half a % halves of the lane order.
        var byOrder = Enumerable.Range(0, halves)
            .Select(h => VectorPasses.PairwiseSum(Enumerable.Range(0, accumulators).Where(a => a % halves == h).Select(a => $"{total}Acc{a}").ToList()))
            .ToList();
        for (int h = 0; h < halves; h++)
        {
            writer.Line($"var {total}Lanes{h} = {byOrder[h]};");
        }

        string Deviation(long e) => $"{Names.Widen}.ToDouble({LayerNormEmitter.At("x", Literals.Int((int)e))}) - {perLane}{layout.Channel(e)}";
        if (squared)
        {
            foreach (long e in layout.ScalarElements)
            {
                writer.Line($"double tail{e} = {Deviation(e)};");
            }
        }

        for (int c = 0; c < layout.Channels; c++)
        {
            var terms = Enumerable.Range(0, 4 * halves).Where(e => layout.Channel(e) == c)
                .Select(e => $"{V}.GetElement({total}Lanes{e / 4}, {e % 4})")
                .Concat(layout.ScalarElements.Where(e => layout.Channel(e) == c)
                    .Select(e => squared ? $"tail{e} * tail{e}" : $"({Deviation(e)})"))
                .ToList();
            writer.Line($"double {total}{c} = {VectorPasses.PairwiseSum(terms)};");
        }
    }

    /// <summary>
    /// y = (x - center) * scale + bias per lane, in float, with each channel's <c>{center}{c}</c> (less
    /// <c>{low}{c}</c>, where given), <c>scale{c}</c> and <c>bias{c}</c>; the last elements in scalar code, the same
    /// operations in the same order.
    /// </summary>
    private static void EmitStorePass(SourceWriter writer, bool hasBias, Layout layout, TargetFeatures features, string center, string? low)
    {
        writer.Line();
        writer.Line("// Store pass: each channel's constants in the lanes' channel order, vector q of a period taking order q.");
        string Pattern(string name, int q) => LaneValues(name, Lanes * q, Lanes, layout);
        var names = new List<string> { center, "scale" };
        names.AddRange(low is null ? [] : [low]);
        names.AddRange(hasBias ? ["bias"] : []);
        for (int q = 0; q < layout.Vectors; q++)
        {
            foreach (string name in names)
            {
                writer.Line($"var {name}Lanes{q} = {Pattern(name, q)};");
            }
        }

        string Normalize(string value, string suffix, bool vector)
        {
            string centered = $"{value} - {center}{suffix}" + (low is null ? "" : $" - {low}{suffix}");
            if (!hasBias)
            {
                return $"({centered}) * scale{suffix}";
            }

            return !features.VectorFusedMultiplyAdd ? $"({centered}) * scale{suffix} + bias{suffix}"
                : vector ? $"{VectorPasses.MultiplyAddMethod(V)}({centered}, scale{suffix}, bias{suffix})"
                : $"{Names.MathF}.FusedMultiplyAdd({centered}, scale{suffix}, bias{suffix})";
        }

        EmitLoop(writer, layout, (offset, vectors) =>
        {
            for (int q = 0; q < vectors; q++)
            {
                string at = Offset(offset, Lanes * q);
                writer.Line($"var v{q} = {VectorPasses.Load(V, "x", at)};");
                writer.Line(VectorPasses.Store(V, Normalize($"v{q}", $"Lanes{q % layout.Vectors}", vector: true), "y", at));
            }
        });

        foreach (long e in layout.ScalarElements)
        {
            string at = Literals.Int((int)e);
            writer.Line($"{LayerNormEmitter.At("y", at)} = {Normalize(LayerNormEmitter.At("x", at), Literals.Int(layout.Channel(e)), vector: false)};");
        }
    }

    /// <summary>The loop over whole steps, then the whole vectors after it (a step starts a period, so vector q keeps order q).</summary>
    private static void EmitLoop(SourceWriter writer, Layout layout, Action<string, int> body)
    {
        if (layout.LoopEnd > 0)
        {
            using (writer.Block($"for (nuint i = 0; i < {layout.LoopEnd}; i += {layout.Step})"))
            {
                body("i", layout.StepVectors);
            }
        }

        if (layout.RestVectors > 0)
        {
            using (writer.Block($"// {(layout.LoopEnd > 0 ? $"The {layout.RestVectors} whole vector(s) after the loop" : $"{layout.RestVectors} whole vector(s), too few for a loop step")}"))
            {
                body(Literals.Int((int)layout.LoopEnd), layout.RestVectors);
            }
        }
    }

    /// <summary>"Vector256.Create(name{channel of e}, ...)" for elements first to first + count - 1; "Vector256.Create(name0)" for one channel.</summary>
    private static string LaneValues(string name, int first, int count, Layout layout) => layout.Channels == 1
        ? $"{V}.Create({name}0)"
        : $"{V}.Create({string.Join(", ", Enumerable.Range(first, count).Select(e => $"{name}{layout.Channel(e)}"))})";

    private static string Offset(string start, int add) =>
        add == 0 ? start : int.TryParse(start, out int constant) ? Literals.Int(constant + add) : $"{start} + {add}";

    /// <summary>The periods, the loop's step (a whole number of periods, at least 4 vectors) and what is left after it.</summary>
    private sealed class Layout
    {
        public Layout(BatchNormPlan plan)
        {
            Channels = plan.Channels;
            Inner = plan.Inner;
            Count = plan.Count;
            Vectors = Period(plan) / Lanes;
            StepVectors = Vectors * ((4 + Vectors - 1) / Vectors);
            Step = StepVectors * Lanes;
            long total = (long)plan.Outer * PatternLength;
            LoopEnd = total / Step * Step;
            RestVectors = (int)((total - LoopEnd) / Lanes);
            long scalarStart = LoopEnd + (RestVectors * Lanes);
            ScalarElements = [.. Enumerable.Range(0, (int)(total - scalarStart)).Select(k => scalarStart + k)];
        }

        public int Channels { get; }

        /// <summary>Values per run.</summary>
        public int Inner { get; }

        /// <summary>Elements after which the channels repeat: a row of C x L.</summary>
        public int PatternLength => Channels * Inner;

        /// <summary>Values per channel.</summary>
        public int Count { get; }

        /// <summary>Vectors per period: 1 for C x L = 1, 2, 4 or 8; 3 for 3, 6, 12 or 24.</summary>
        public int Vectors { get; }

        public int StepVectors { get; }

        public int Step { get; }

        public long LoopEnd { get; }

        public int RestVectors { get; }

        public IReadOnlyList<long> ScalarElements { get; }

        /// <summary>The channel of element e: (e / L) % C.</summary>
        public int Channel(long e) => (int)(e / Inner % Channels);
    }
}

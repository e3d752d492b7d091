using FixedNorm.Generator.Model;
using FixedNorm.Generator.Planning;

namespace FixedNorm.Generator.Emitting;

/// <summary>
/// Float BatchNorm training in blocks of channels (<see cref="InOrderBatchNormEmitter"/>), pipelined: each block's
/// output in the same loop as the next block's statistics. Adding every value in double lanes is vector work (alone,
/// about a copy's time on [32, 64, 128], Zen 4: TrainingFloorBenchmarks in bench/) and the store pass is memory traffic
/// (about another), so one loop doing both lets each hide behind the other. [32, 64, 128], stand-alone harness, the
/// output 0 to 4064 bytes past the input modulo 4 KB (6 places, 2026-12-05): 44.5 to 47.1 us against 48.3 to 51.2 block
/// after block (CopyTo 22.0 to 22.2); the Vector256 path 55.8 to 57.5 against 56.6 to 58.3.
/// </summary>
internal static class PipelinedBlocks
{
    /// <summary>
    /// The most vectors a step loads from each of the two runs (16 loaded, with 3 accumulators and 5 constants, fit
    /// AVX-512's 32 registers). One accumulator of each kind (double sums, their upper halves, float squares): visits of
    /// different channels overlap each other's chains; two of each took 46.6 and 47.2 us against 44.6 and 44.8 (more
    /// adds at the end of a visit).
    /// </summary>
    private const int StepVectorsMax = 8;

    /// <summary>
    /// The fewest vectors a run takes for the pipeline: each visit also broadcasts five per-channel values and adds its
    /// sums into the channel's partials, which runs of one vector cannot carry ([64, 256, 16]: 78.7 to 82.3 us against
    /// 65.2 to 69.3 block after block; [32, 128, 64], 4 vectors: 50.0 to 50.2 against 51.7 to 53.8; 2026-12-05).
    /// </summary>
    private const int MinVectorsPerRun = 4;

    /// <summary>Vectors a step loads from each run: the most up to <see cref="StepVectorsMax"/> that divide the run.</summary>
    private static int StepVectors(int inner, int lanes)
    {
        int vectors = inner / lanes;
        int step = StepVectorsMax;
        while (vectors % step != 0)
        {
            step /= 2;
        }

        return step;
    }

    /// <summary>
    /// Float, sums in the path's own vectors into per-channel partials, runs of <see cref="MinVectorsPerRun"/> or more
    /// whole vectors (no tail) that add no more
    /// float squares into an accumulator than pass 1 does (a <see cref="Limits.SumChunk"/> over
    /// <see cref="Limits.Accumulators"/>: 256 values, 16 a lane on Vector512) before they go into the double partials.
    /// </summary>
    public static bool Applies(BatchNormSpec spec, BatchNormPlan plan, VectorWidth width, VectorPasses passes, bool vectorPartials, bool totals) =>
        spec.Element == ElementType.Float && vectorPartials && !totals && passes.Width == width
        && plan.Inner % width.Lanes(ElementType.Float) == 0 && plan.Inner >= MinVectorsPerRun * width.Lanes(ElementType.Float)
        && plan.Inner <= Limits.SumChunk / Limits.Accumulators;

    /// <summary>
    /// Pass 2 over the channels [first, first + block) and pass 1 over [first + block, first + 2 block), run by run in
    /// memory order: the next block's channel n = c + block summed as pass 1 sums it (raw values in double lanes, float
    /// squares of the deviations from its shift, into its partials), channel c stored as pass 2 stores it. One row a
    /// visit, so that a visit's loads follow the stores of the run 512 bytes before them, as in pass 2: four rows a
    /// visit (32 KB apart, the same place modulo 4 KB) loaded each row where the row before had just been stored, and
    /// took 51 to 56 us where the output lay 0 to 64 bytes from the input modulo 4 KB (43 at 1 KB).
    /// </summary>
    public static void EmitPass(SourceWriter writer, BatchNormPlan plan, VectorWidth width, VectorPasses passes, bool fusedMultiplyAdd, int block)
    {
        string v = width.Class;
        int lanes = width.Lanes(ElementType.Float);
        string suffix = width.Suffix;
        int stepVectors = StepVectors(plan.Inner, lanes);

        writer.Line($"// Pass 2 of this block and pass 1 of the next in one loop, run by run in memory order: each step loads {stepVectors} vectors of");
        writer.Line("// both runs, adds the next block's (channel n) into its sums, then stores this block's (channel c).");
        using (writer.Block($"for (nuint o = 0; o < {(long)plan.Outer * plan.RunStride}; o += {plan.RunStride})"))
        using (writer.Block($"for (int c = first; c < first + {block}; c++)"))
        {
            writer.Line($"int n = c + {block};");
            writer.Line($"ref float x = ref {LayerNormEmitter.At("inputRef", $"o + (nuint)(n * {plan.Inner})")};");
            writer.Line($"ref float t = ref {LayerNormEmitter.At("inputRef", $"o + (nuint)(c * {plan.Inner})")};");
            writer.Line($"ref float y = ref {LayerNormEmitter.At("outputRef", $"o + (nuint)(c * {plan.Inner})")};");
            writer.Line($"var shift{suffix} = {v}.Create({LayerNormEmitter.At("shiftsRef", "n")});");
            writer.Line($"ref double partial = ref {LayerNormEmitter.At("partialsRef", $"n * {passes.PartialsLength}")};");
            foreach ((string name, string buffer) in new[] { ("shiftC", "shiftsRef"), ("muC", "musRef"), ("scaleC", "scalesRef"), ("bC", "biasesRef") })
            {
                writer.Line($"var {name}{suffix} = {v}.Create({LayerNormEmitter.At(buffer, "c")});");
            }

            writer.Line($"{width.Type(ElementType.Double)} sum0 = default, sumHigh0 = default;");
            writer.Line($"{width.Type(ElementType.Float)} acc0 = default;");

            void Step(Func<int, string> offset)
            {
                for (int k = 0; k < stepVectors; k++)
                {
                    writer.Line($"var d{k} = {VectorPasses.Load(v, "x", offset(k))};");
                    writer.Line($"var e{k} = {VectorPasses.Load(v, "t", offset(k))};");
                }

                for (int k = 0; k < stepVectors; k++)
                {
                    writer.Line($"sum0 += {v}.WidenLower(d{k});");
                    writer.Line($"sumHigh0 += {VectorPasses.WidenUpperFromMemory(width, $"d{k}", "x", offset(k))};");
                    writer.Line($"d{k} -= shift{suffix};");
                    writer.Line(VectorPasses.AddSquare(v, "acc0", $"d{k}", fusedMultiplyAdd));
                }

                for (int k = 0; k < stepVectors; k++)
                {
                    string centered = $"(e{k} - shiftC{suffix} - muC{suffix})";
                    writer.Line(VectorPasses.Store(v, VectorPasses.MultiplyAdd(v, centered, "scaleC" + suffix, "bC" + suffix, fusedMultiplyAdd), "y", offset(k)));
                }
            }

            if (stepVectors * lanes == plan.Inner)
            {
                Step(k => Literals.Int(k * lanes));
            }
            else
            {
                using (writer.Block($"for (nuint i = 0; i < {plan.Inner}; i += {stepVectors * lanes})"))
                {
                    Step(k => k == 0 ? "i" : $"i + {k * lanes}");
                }
            }

            string doubleOffset = Literals.Int(width.Lanes(ElementType.Double));
            writer.Line(VectorPasses.Store(v, $"{VectorPasses.Load(v, "partial", "0")} + sum0 + sumHigh0", "partial", "0"));
            writer.Line(VectorPasses.Store(v, $"{VectorPasses.Load(v, "partial", doubleOffset)} + {v}.WidenLower(acc0) + {v}.WidenUpper(acc0)", "partial", doubleOffset));
        }
    }
}

using FixedNorm.Generator.Model;
using FixedNorm.Generator.Planning;

namespace FixedNorm.Generator.Emitting;

/// <summary>
/// Channels-last inference's store pass with aligned stores (and training's second pass where its output is streamed),
/// where the channels are whole vectors (so every row starts the same distance from a line): from the output's element
/// <c>head</c> (its first element on a vector-sized boundary, found at run time) on, the rows are one run of aligned
/// vectors, vector j holding the channels from (head + lanes * j) mod C on. Each block's constants (center, or shift and
/// mu; scale and bias) are written twice into a stack table and loaded back
/// from head on: rotated by head, in registers. The first and last vectors (unaligned) are computed before any store and
/// stored after the others, so an output that is the input works. Stores that straddle two cache lines cost: the suite's
/// [16, 32, 32, 64] inference, output 16 bytes past a line, 100 to 102 us with the rows' stores against 88 to 91 this
/// way (CopyTo 86 to 90; Zen 4, 2026-12-04).
/// </summary>
internal static class AlignedRowsBatchNormEmitter
{
    /// <summary>Vector512 or Vector256, the channels whole vectors, and at least two vectors in all.</summary>
    public static bool Applies(BatchNormPlan plan, SegmentLayout layout) =>
        layout.Width.Bits >= 256 && layout.After.Count == 0 && (long)plan.Outer * layout.LoopIterations >= 2;

    /// <summary>
    /// The store pass, y = (x - <paramref name="subtracted"/>...) * scale + b, with {name}{k} for each of them, scale{k}
    /// and b{k} in scope for the <paramref name="blocks"/> blocks of a row: inference's center, or training's shift and mu.
    /// </summary>
    public static void Emit(SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, SegmentLayout layout, TargetFeatures features, int blocks, string[] subtracted)
    {
        string type = spec.Element.Keyword();
        string v = layout.Width.Class;
        int lanes = layout.Lanes;
        int bytes = layout.Width.Bits / 8;
        int channels = plan.Channels;
        long total = (long)plan.Outer * channels;
        string multiplyAdd(string x, string k) =>
            VectorPasses.MultiplyAdd(v, $"({BatchNormEmitter.Centered(x, subtracted.Select(name => name + k))})", $"scale{k}", $"b{k}", features.VectorFusedMultiplyAdd);
        bool streamed = NonTemporalStores.Applies(spec, plan);

        writer.Line($"// Aligned stores: every row starts the same distance from a {bytes}-byte line ({blocks} whole vectors), so from the");
        writer.Line("// output's element head on the vectors are aligned, vector j holding the channels from (head + lanes * j) % C on:");
        writer.Line("// each block's constants rotated by head, from a table of two rows of them. The first and last vectors (unaligned)");
        writer.Line("// are computed before any store and stored after the others (the output may be the input).");
        if (streamed)
        {
            NonTemporalStores.EmitNote(writer, spec, plan);
        }

        writer.Line($"int head = {Names.MemoryHints}.ElementsToAlignment(ref outputRef, {bytes});");
        string[] constants = [.. subtracted, "scale", "b"];
        writer.Line($"global::System.Span<{type}> rotation = stackalloc {type}[{2 * constants.Length * channels}];");
        writer.Line($"ref {type} rotationRef = ref {Names.MemoryMarshal}.GetReference(rotation);");
        for (int c = 0; c < constants.Length; c++)
        {
            for (int k = 0; k < blocks; k++)
            {
                writer.Line(VectorPasses.Store(v, $"{constants[c]}{k}", "rotationRef", Literals.Int((2L * c * channels) + (k * lanes))));
                writer.Line(VectorPasses.Store(v, $"{constants[c]}{k}", "rotationRef", Literals.Int((2L * c * channels) + channels + (k * lanes))));
            }
        }

        writer.Line($"var first = {multiplyAdd(VectorPasses.Load(v, "inputRef", "0"), "0")};");
        writer.Line($"var last = {multiplyAdd(VectorPasses.Load(v, "inputRef", Literals.Int(total - lanes)), Literals.Int(blocks - 1))};");
        for (int c = 0; c < constants.Length; c++)
        {
            for (int k = 0; k < blocks; k++)
            {
                long at = (2L * c * channels) + (k * lanes);
                writer.Line($"var {constants[c]}H{k} = {VectorPasses.Load(v, "rotationRef", at == 0 ? "(nuint)head" : $"(nuint)(head + {Literals.Int(at)})")};");
            }
        }

        writer.Line($"ref {type} xH = ref {Names.Unsafe}.Add(ref inputRef, head);");
        writer.Line($"ref {type} yH = ref {Names.Unsafe}.Add(ref outputRef, head);");

        // All the vectors but one from head on (the last vector covers the rest), a step of whole rows' worth of blocks.
        long vectors = (total / lanes) - 1;
        int step = blocks * Math.Max(1, Limits.StoreUnroll / blocks);
        long steps = vectors / step;
        void EmitStep(Func<int, string> offset, int count)
        {
            for (int j = 0; j < count; j++)
            {
                writer.Line($"var x{j} = {VectorPasses.Load(v, "xH", offset(j))};");
            }

            for (int j = 0; j < count; j++)
            {
                string k = Literals.Int(j % blocks);
                writer.Line(NonTemporalStores.Store(streamed, v, multiplyAdd($"x{j}", "H" + k), "yH", offset(j)));
            }
        }

        writer.Line($"// y = (x - center) * scale + b, {step} aligned vectors at a time, loaded before any is stored.");
        if (steps > 0)
        {
            using (writer.Block($"for (nuint i = 0; i < {steps * step * lanes}; i += {step * lanes})"))
            {
                EmitStep(j => j == 0 ? "i" : $"i + {j * lanes}", step);
            }
        }

        int rest = (int)(vectors - (steps * step));
        if (rest > 0)
        {
            using (writer.Block($"// The {rest} aligned vector(s) after the loop."))
            {
                EmitStep(j => Literals.Int((steps * step * lanes) + (j * lanes)), rest);
            }
        }

        writer.Line(VectorPasses.Store(v, "first", "outputRef", "0"));
        writer.Line(VectorPasses.Store(v, "last", "outputRef", Literals.Int(total - lanes)));
        if (streamed)
        {
            NonTemporalStores.EmitFence(writer);
        }
    }
}

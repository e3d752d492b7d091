using FixedNorm.Generator.Model;
using FixedNorm.Generator.Planning;

namespace FixedNorm.Generator.Emitting;

/// <summary>
/// In-order inference's store pass with aligned stores (and training's second pass where its output is streamed), where
/// the runs are whole vectors (so every run starts the same distance from a line): from the output's element <c>head</c> on (its first element on a vector-sized boundary, found
/// at run time), the runs are one stream of aligned vectors. A run's vectors from head on hold its own values but the
/// last, whose first lanes - head lanes are the run's and the rest the next run's: its constants are picked per lane
/// from the two channels'. The last run stops a vector short (the output ends there); the first and last vectors
/// (unaligned) are computed before any store and stored after the others, so an output that is the input works.
/// [32, 64, 128] inference, output 16 bytes past a line (Zen 4, 2026-12-04, stand-alone skeletons): 24.0 to 24.6 us with
/// the runs' stores, 22.6 to 22.9 this way.
/// </summary>
internal static class AlignedRunsBatchNormEmitter
{
    /// <summary>
    /// Vector512 or Vector256, runs of 4 whole vectors or more laid end to end, at least two runs. With one vector a run,
    /// every vector picks its constants from two channels: [64, 32, 16] took 2.4 to 3.3 us with the runs' stores and 2.8
    /// to 2.9 this way (4.3 against 3.3 where the output lay 64 bytes past the input modulo 4 KB).
    /// </summary>
    public static bool Applies(BatchNormPlan plan, VectorWidth width, ElementType element) =>
        width.Bits >= 256 && plan.Inner % width.Lanes(element) == 0 && plan.Inner >= 4 * width.Lanes(element)
        && (long)plan.Outer * plan.Channels >= 2;

    /// <summary>
    /// The store pass, y = (x - <paramref name="subtracted"/>...) * scale + b with the per-channel values in their stack
    /// buffers: inference's centers, or training's shifts and mus.
    /// </summary>
    public static void Emit(SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, VectorWidth width, TargetFeatures features, string[] subtracted)
    {
        string type = spec.Element.Keyword();
        string v = width.Class;
        string suffix = width.Suffix;
        int lanes = width.Lanes(spec.Element);
        int bytes = width.Bits / 8;
        int inner = plan.Inner;
        long runs = (long)plan.Outer * plan.Channels;
        long total = runs * inner;
        int lastVector = inner - lanes;
        var passes = new VectorPasses(writer, spec.Element, width, features.VectorFusedMultiplyAdd);
        string[] names = [.. subtracted, "scale", "b"];
        string table(string name) => name == "b" ? "biasesRef" : name + "sRef";
        string broadcast(string name, string channel) => $"{v}.Create({LayerNormEmitter.At(table(name), channel)})";
        // The values of names, in order, given as name => expression.
        string normalized(string x, Func<string, string> value) =>
            passes.MultiplyAdd(v, $"({BatchNormEmitter.Centered(x, subtracted.Select(value))})", value("scale"), value("b"));
        bool streamed = NonTemporalStores.Applies(spec, plan);
        string store(string value, string reference, string offset) => NonTemporalStores.Store(streamed, v, value, reference, offset);

        writer.Line($"// Aligned stores: every run starts the same distance from a {bytes}-byte line ({inner / lanes} whole vectors), so from the");
        writer.Line("// output's element head on the runs are one stream of aligned vectors. A run's last one holds its own first lanes - head");
        writer.Line("// lanes and the next run's after them, its constants picked per lane. The first and last vectors (unaligned) are");
        writer.Line("// computed before any store and stored after the others (the output may be the input).");
        if (streamed)
        {
            NonTemporalStores.EmitNote(writer, spec, plan);
        }

        writer.Line($"int head = {Names.MemoryHints}.ElementsToAlignment(ref outputRef, {bytes});");
        string indices = string.Join(", ", Enumerable.Range(0, lanes).Select(i => spec.Element == ElementType.Float ? $"{i}f" : $"{i}d"));
        writer.Line($"var ownLanes = {v}.LessThan({v}.Create({indices}), {v}.Create(({type})({lanes} - head)));");
        writer.Line($"var first = {normalized(VectorPasses.Load(v, "inputRef", "0"), name => broadcast(name, "0"))};");
        string lastChannel = Literals.Int(plan.Channels - 1);
        writer.Line($"var last = {normalized(VectorPasses.Load(v, "inputRef", Literals.Int(total - lanes)), name => broadcast(name, lastChannel))};");
        writer.Line($"ref {type} xH = ref {Names.Unsafe}.Add(ref inputRef, head);");
        writer.Line($"ref {type} yH = ref {Names.Unsafe}.Add(ref outputRef, head);");
        foreach (string name in names)
        {
            writer.Line($"var {name}{suffix} = {broadcast(name, "0")};");
        }

        // A run's vectors from head on but its last: the current channel's constants.
        void EmitOwnVectors() =>
            passes.ForEach(lastVector, ["x"],
                (vector, offset, loaded, stores) => stores.Add(normalized(loaded("x"), name => name + suffix), name => store(name, "y", offset)),
                _ => throw new InvalidOperationException("Aligned runs are whole vectors."));

        writer.Line("int channel = 0;");
        writer.Line($"// y = ({BatchNormEmitter.Centered("x", subtracted)}) * scale + b, run by run, each block of vectors loaded before any is stored; the last run below.");
        using (writer.Block($"for (nuint run = 0; run < {Literals.Int((runs - 1) * inner)}; run += {inner})"))
        {
            writer.Line($"ref {type} x = ref {Names.Unsafe}.Add(ref xH, run);");
            writer.Line($"ref {type} y = ref {Names.Unsafe}.Add(ref yH, run);");
            writer.Line($"int nextChannel = channel == {lastChannel} ? 0 : channel + 1;");
            foreach (string name in names)
            {
                writer.Line($"var {name}Next = {broadcast(name, "nextChannel")};");
            }

            string at = Literals.Int(lastVector);
            writer.Line($"var straddling = {VectorPasses.Load(v, "x", at)};");
            EmitOwnVectors();
            string pick(string name) => $"{v}.ConditionalSelect(ownLanes, {name}{suffix}, {name}Next)";
            writer.Line(store(normalized("straddling", pick), "y", at));
            foreach (string name in names)
            {
                writer.Line($"{name}{suffix} = {name}Next;");
            }

            writer.Line("channel = nextChannel;");
        }

        if (lastVector > 0)
        {
            using (writer.Block($"// The last run (channel {plan.Channels - 1}): its vectors from head on but the last, which would pass the output's end."))
            {
                writer.Line($"ref {type} x = ref {Names.Unsafe}.Add(ref xH, {Literals.Int((runs - 1) * inner)});");
                writer.Line($"ref {type} y = ref {Names.Unsafe}.Add(ref yH, {Literals.Int((runs - 1) * inner)});");
                EmitOwnVectors();
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

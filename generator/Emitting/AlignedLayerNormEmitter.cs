using FixedNorm.Generator.Model;
using FixedNorm.Generator.Planning;

namespace FixedNorm.Generator.Emitting;

/// <summary>
/// LayerNorm on groups of whole 64-byte lines, in cache or with an output not streamed: aligned loads, and each group
/// read from memory once.
/// Every group starts the same distance from a line, so from element <c>head</c> (found at run time) on a group's
/// vectors are aligned; its first and last vectors, unaligned, cover the elements before and after them (their own
/// lanes added into the sums, and stored after the aligned vectors, so an output that is the input works). Weight and
/// bias are copied to the stack at the same distance from a line. Group g's store pass carries group g + 1's sums in
/// the same loop: the next group's loads overlap this one's stores, and the latency of its statistics (horizontal
/// sums, square root, division) hides behind work instead of stalling the store pass that needs them.
/// </summary>
internal static class AlignedLayerNormEmitter
{
    public static void Emit(SourceWriter writer, LayerNormSpec spec, LayerNormPlan plan, TargetFeatures features) =>
        VectorPasses.EmitPerWidth(writer, spec.Element, LayerNormEmitter.Spans(spec, plan), width => EmitPath(writer, spec, plan, width, new VectorPasses(writer, spec.Element, width, features.VectorFusedMultiplyAdd)));

    private static void EmitPath(SourceWriter writer, LayerNormSpec spec, LayerNormPlan plan, VectorWidth width, VectorPasses passes)
    {
        string type = spec.Element.Keyword();
        string v = width.Class;
        int n = plan.GroupSize;
        int lanes = width.Lanes(spec.Element);
        int bytes = width.Bits / 8;
        int last = n - lanes;

        writer.Line($"// Aligned loads: every group starts the same distance from a {bytes}-byte line ({n / lanes} whole vectors), so from its");
        writer.Line("// element head on a group's vectors are aligned; its first and last vectors (unaligned) cover the elements around them.");
        writer.Line($"int head = {Names.MemoryHints}.ElementsToAlignment(ref inputRef, {bytes});");
        string indices = string.Join(", ", Enumerable.Range(0, lanes).Select(i => spec.Element == ElementType.Float ? $"{i}f" : $"{i}d"));
        writer.Line($"var beforeHead = {v}.LessThan({v}.Create({indices}), {v}.Create(({type})head));");
        if (spec.HasWeight || spec.HasBias)
        {
            string copied = spec.HasWeight && spec.HasBias ? "Weight and bias are" : spec.HasWeight ? "Weight is" : "Bias is";
            int count = (spec.HasWeight ? n : 0) + (spec.HasBias ? n : 0) + lanes - 1;
            writer.Line($"// {copied} copied to the stack at the same distance from a line, to load aligned too.");
            writer.Line($"global::System.Span<{type}> table = stackalloc {type}[{count}];");
            writer.Line($"ref {type} tableStart = ref {Names.MemoryHints}.AlignedCopyStart(table, head, {bytes});");
            string at = "tableStart";
            foreach ((bool has, string name) in new[] { (spec.HasWeight, "weight"), (spec.HasBias, "bias") })
            {
                if (has)
                {
                    writer.Line($"ref {type} {name}Copy = ref {at};");
                    writer.Line($"{Names.MemoryMarshal}.CreateReadOnlySpan(ref {name}Ref, {n}).CopyTo({Names.MemoryMarshal}.CreateSpan(ref {name}Copy, {n}));");
                    writer.Line($"ref {type} {name}H = ref {Names.Unsafe}.Add(ref {name}Copy, head);");
                    at = $"{Names.Unsafe}.Add(ref {name}Copy, {n})";
                }
            }
        }

        // (x - mu) * invStd * weight + bias at offset of x, with weight and bias from the copies (named by their suffix).
        string normalized(string vector, string x, string suffix, string offset) =>
            VectorLayerNormEmitter.Normalized(spec, passes, width, vector, x, "", VectorPasses.Load(vector, "weight" + suffix, offset), VectorPasses.Load(vector, "bias" + suffix, offset));
        string store(string vector, string offset, string x) => VectorPasses.Store(vector, normalized(vector, x, "H", offset), "yH", offset);

        // Group g's statistics in mu, invStd; x, y point at it.
        void EmitStorePassStart()
        {
            VectorLayerNormEmitter.EmitBroadcasts(writer, width, [""]);
            writer.Line("// The first and last vectors (unaligned) before any store: the output may be the input.");
            writer.Line($"var first = {normalized(v, VectorPasses.Load(v, "x", "0"), "Copy", "0")};");
            writer.Line($"var last = {normalized(v, VectorPasses.Load(v, "x", Literals.Int(last)), "Copy", Literals.Int(last))};");
            writer.Line($"ref {type} xH = ref {Names.Unsafe}.Add(ref x, head);");
            writer.Line($"ref {type} yH = ref {Names.Unsafe}.Add(ref y, head);");
        }

        void EmitStorePassEnd()
        {
            writer.Line(VectorPasses.Store(v, "first", "y", "0"));
            writer.Line(VectorPasses.Store(v, "last", "y", Literals.Int(last)));
        }

        writer.Line();
        writer.Line($"{type} mu, invStd;");
        using (writer.Block("// Group 0's statistics: a pass of its own. Each store pass below carries the next group's."))
        {
            writer.Line($"ref {type} next = ref inputRef;");
            EmitSums(writer, spec, width, passes, n, alongside: null);
            EmitStatistics(writer, spec, width, passes, n, "0");
        }

        writer.Line();
        using (writer.Block($"for (int g = 0; g < {plan.Groups - 1}; g++)"))
        {
            writer.Line($"ref {type} x = ref {LayerNormEmitter.At("inputRef", $"g * {n}")};");
            writer.Line($"ref {type} y = ref {LayerNormEmitter.At("outputRef", $"g * {n}")};");
            writer.Line($"ref {type} next = ref {Names.Unsafe}.Add(ref x, {n});");
            EmitStorePassStart();
            writer.Line("// Pass 2 of group g (y = (x - mu) * invStd" + (spec.HasWeight ? " * weight" : "") + (spec.HasBias ? " + bias" : "") + "), with pass 1 of group g + 1 in the same loop.");
            EmitSums(writer, spec, width, passes, n, new StoreAlongside("xH", store));
            EmitStorePassEnd();
            EmitStatistics(writer, spec, width, passes, n, "g + 1");
        }

        writer.Line();
        int lastStart = (plan.Groups - 1) * n;
        using (writer.Block($"// Group {plan.Groups - 1}, the last: its store pass alone."))
        {
            writer.Line($"ref {type} x = ref {LayerNormEmitter.At("inputRef", Literals.Int(lastStart))};");
            writer.Line($"ref {type} y = ref {LayerNormEmitter.At("outputRef", Literals.Int(lastStart))};");
            EmitStorePassStart();
            passes.ForEach(last, ["xH"],
                (vector, offset, loaded, stores) => stores.Store(vector, normalized(vector, loaded("xH"), "H", offset), "yH", offset),
                _ => throw new InvalidOperationException("The aligned plan stores whole vectors."));
            EmitStorePassEnd();
        }
    }

    /// <summary>
    /// Pass 1 over the group at <c>next</c>: deviations from its first element, their sum and their squares; the
    /// aligned vectors in a loop (with <paramref name="alongside"/>'s statements), the first and last vectors' own lanes after.
    /// </summary>
    private static void EmitSums(SourceWriter writer, LayerNormSpec spec, VectorWidth width, VectorPasses passes, int n, StoreAlongside? alongside)
    {
        string type = spec.Element.Keyword();
        string v = width.Class;
        int lanes = width.Lanes(spec.Element);
        writer.Line("// Deviations from the group's first element: shifting by an element of the group keeps large offsets from");
        writer.Line("// cancelling and makes constant groups exact.");
        writer.Line($"{type} center = next;");
        writer.Line($"var center{width.Suffix} = {v}.Create(center);");
        writer.Line($"ref {type} nextH = ref {Names.Unsafe}.Add(ref next, head);");
        writer.Line("double sumOfSquares = 0, deviations = 0;");
        string zero = $"{width.Type(spec.Element)}.Zero";
        string center = "center" + width.Suffix;
        writer.Line("// The aligned vectors; then the elements before head and after them, the first and last vectors' own lanes.");
        passes.SumOfSquares("sumOfSquares", "deviations", n - lanes,
            (vector, offset) => $"{VectorPasses.Load(vector, "nextH", offset)} - {center}",
            _ => throw new InvalidOperationException("The aligned plan sums whole vectors."),
            alongside,
            [
                ("before", $"{v}.ConditionalSelect(beforeHead, {VectorPasses.Load(v, "next", "0")} - {center}, {zero})"),
                ("after", $"{v}.ConditionalSelect(beforeHead, {zero}, {VectorPasses.Load(v, "next", Literals.Int(n - lanes))} - {center})"),
            ]);
    }

    /// <summary>
    /// From the sums of <see cref="EmitSums"/>: the statistics of the group at <c>next</c> (group <paramref name="group"/>)
    /// into mu and invStd, a second pass around the mean first if its first element is an outlier.
    /// </summary>
    private static void EmitStatistics(SourceWriter writer, LayerNormSpec spec, VectorWidth width, VectorPasses passes, int n, string group)
    {
        string type = spec.Element.Keyword();
        string v = width.Class;
        string cast = spec.Element == ElementType.Float ? "(float)" : "";
        VectorLayerNormEmitter.EmitOverflowFallback(writer, passes, n, "next");
        writer.Line($"double drift = deviations * (1.0 / {n});");
        writer.Line($"double variance = {Names.Math}.Max(0, sumOfSquares * (1.0 / {n}) - drift * drift);");
        int outlier = Limits.ShiftDeviationsMax;
        using (writer.Block($"if (drift * drift > {outlier * outlier} * variance)"))
        {
            writer.Line($"// The first element lies more than {outlier} standard deviations from the mean: the difference above cancels");
            writer.Line("// digits. Once more around the mean just found (the corrected two-pass algorithm).");
            writer.Line($"center = ({type})(center + drift);");
            writer.Line($"center{width.Suffix} = {v}.Create(center);");
            VectorLayerNormEmitter.EmitShiftedSums(writer, width, passes, n, "next");
            writer.Line($"drift = deviations * (1.0 / {n});");
            writer.Line($"variance = {Names.Math}.Max(0, sumOfSquares * (1.0 / {n}) - drift * drift);");
        }

        writer.Line("double nextMu = center + drift;");
        writer.Line($"double nextInvStd = 1 / {Names.Math}.Sqrt(variance + {Literals.Double(spec.Epsilon)});");
        LayerNormEmitter.EmitStatistics(writer, spec, group, "nextMu", "nextInvStd");
        writer.Line($"mu = {cast}nextMu;");
        writer.Line($"invStd = {cast}nextInvStd;");
    }
}

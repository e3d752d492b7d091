using FixedNorm.Generator.Model;
using FixedNorm.Generator.Planning;

namespace FixedNorm.Generator.Emitting;

/// <summary>
/// LayerNorm's store pass for outputs too large to keep in the caches (<see cref="Limits.StreamedOutputMinBytes"/>), in
/// groups of at least <see cref="Limits.StreamedGroupMinBytes"/>:
/// non-temporal stores write whole vectors straight to memory. They need addresses aligned to the vector size. The
/// output's first aligned element is element <c>head</c> (found at run time), and, a group being a whole number of
/// 64-byte lines, so is each group's. A group stores its vectors from head on; the vector across two groups (the
/// last lanes - head elements of one, the first head of the next) is put together in a stack buffer,
/// <c>straddle</c>; before the first and after the last aligned element go ordinary stores. Each group's first and
/// last vectors are computed before it stores anything, so an output that is the input itself still works.
/// </summary>
internal static class StreamingStore
{
    public static bool Applies(LayerNormSpec spec, LayerNormPlan plan, bool paired) =>
        !paired && LayerNormPlan.StreamsOutput(plan.Groups, (long)plan.GroupSize * spec.Element.Size());

    /// <summary>Before the group loop: <c>head</c> and the straddle buffer.</summary>
    public static void EmitSetup(SourceWriter writer, LayerNormSpec spec, LayerNormPlan plan, VectorWidth width)
    {
        string type = spec.Element.Keyword();
        int bytes = width.Bits / 8;
        long megabytes = (long)plan.Groups * plan.GroupSize * spec.Element.Size() >> 20;
        writer.Line($"// The output ({megabytes} MB) is streamed: non-temporal stores write it straight to memory, without reading each");
        writer.Line($"// line first or evicting the caches for it. They need {bytes}-byte-aligned addresses: element head of the output");
        writer.Line($"// is the first, and so is element head of every group ({plan.GroupSize / width.Lanes(spec.Element)} whole vectors). Each group stores its vectors from");
        writer.Line("// head on; the vector across two groups is put together in straddle.");
        writer.Line($"int head = {Names.MemoryHints}.ElementsToAlignment(ref outputRef, {bytes});");
        writer.Line($"global::System.Span<{type}> straddle = stackalloc {type}[{2 * width.Lanes(spec.Element)}];");
        writer.Line($"ref {type} straddleRef = ref {Names.MemoryMarshal}.GetReference(straddle);");
    }

    /// <summary>
    /// One group's store pass (x and y point at it; muT and invStdT hold its statistics). <paramref name="normalized"/>
    /// gives the normalized vector of (vector class, x value, weight ref, bias ref, offset).
    /// </summary>
    public static void EmitGroup(
        SourceWriter writer, LayerNormSpec spec, VectorWidth width, VectorPasses passes, int n, string group,
        Func<string, string, string, string, string, string> normalized)
    {
        string type = spec.Element.Keyword();
        string v = width.Class;
        int lanes = width.Lanes(spec.Element);
        writer.Line($"// Pass 2, streamed: the group's first and last vectors (they hold the elements before head and from {n - lanes} + head");
        writer.Line("// on), then the vectors from head on.");
        writer.Line($"var first = {normalized(v, VectorPasses.Load(v, "x", "0"), "weightRef", "biasRef", "0")};");
        writer.Line($"var last = {normalized(v, VectorPasses.Load(v, "x", Literals.Int(n - lanes)), "weightRef", "biasRef", Literals.Int(n - lanes))};");

        // Group 0 stores its elements before head after the others: if the output is the input, the vectors from head on
        // read the input there first.
        EmitFor(writer, group, first: false, () =>
        {
            writer.Line("// The vector across the group before and this one: the end of that one (saved in straddle), the start of this one.");
            writer.Line(VectorPasses.Store(v, "first", "straddleRef", Literals.Int(lanes)));
            writer.Line(NonTemporalStores.Store(true, v, $"{v}.LoadUnsafe(ref straddleRef, (nuint)head)", "y", $"head - {lanes}"));
        });

        foreach (string name in new[] { "x", "y" }.Concat(spec.HasWeight ? ["weight"] : []).Concat(spec.HasBias ? ["bias"] : []))
        {
            string from = name.Length == 1 ? name : name + "Ref";
            writer.Line($"ref {type} {name}Aligned = ref {Names.Unsafe}.Add(ref {from}, head);");
        }

        passes.ForEach(n - lanes, ["xAligned"],
            (vector, offset, loaded, stores) => stores.Add(
                normalized(vector, loaded("xAligned"), "weightAligned", "biasAligned", offset),
                value => NonTemporalStores.Store(true, v, value, "yAligned", offset)),
            offset => throw new InvalidOperationException("A streamed group is a whole number of vectors."));
        EmitFor(writer, group, first: true, () =>
        {
            writer.Line("// The output's elements before head: an ordinary store.");
            writer.Line(VectorPasses.Store(v, "first", "y", "0"));
        });

        writer.Line(VectorPasses.Store(v, "last", "straddleRef", "0"));
    }

    /// <summary>Code for group 0 only (<paramref name="first"/>) or for every other group: an if, unless the group is a constant.</summary>
    private static void EmitFor(SourceWriter writer, string group, bool first, Action emit)
    {
        if (int.TryParse(group, out int g))
        {
            if ((g == 0) == first)
            {
                emit();
            }

            return;
        }

        using (writer.Block($"if ({group} {(first ? "==" : "!=")} 0)"))
        {
            emit();
        }
    }

    /// <summary>After the group loop: the end of the last group, and the fence that orders the streamed stores.</summary>
    public static void EmitEnd(SourceWriter writer, LayerNormSpec spec, LayerNormPlan plan, VectorWidth width)
    {
        string v = width.Class;
        long total = (long)plan.Groups * plan.GroupSize;
        writer.Line();
        writer.Line("// The end of the last group, after the output's last aligned element: an ordinary store. Then a fence, so the");
        writer.Line("// streamed stores are seen before anything this thread writes next.");
        writer.Line(VectorPasses.Store(v, $"{v}.LoadUnsafe(ref straddleRef)", "outputRef", Literals.Int(total - width.Lanes(spec.Element))));
        NonTemporalStores.EmitFence(writer);
    }
}

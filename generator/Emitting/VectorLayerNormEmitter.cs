using FixedNorm.Generator.Model;
using FixedNorm.Generator.Planning;

namespace FixedNorm.Generator.Emitting;

/// <summary>
/// Larger groups: two passes per group (deviations from the first element and their squares; store), each over
/// vectors of the widest accelerated width, and a third only for groups whose first element lies far from the mean.
/// Groups go two at a time: each one's statistics, then one store pass over both that loads weight and bias once.
/// (Groups of 64 bytes to 1 KB take <see cref="BatchedLayerNormEmitter"/>, a vector's worth at a time; in
/// cache, 16 or more groups of whole lines, 2 to 8 KB each, take <see cref="AlignedLayerNormEmitter"/>.)
/// </summary>
internal static class VectorLayerNormEmitter
{
    public static void Emit(SourceWriter writer, LayerNormSpec spec, LayerNormPlan plan, TargetFeatures features) =>
        VectorPasses.EmitPerWidth(writer, spec.Element, LayerNormEmitter.Spans(spec, plan), width => EmitPath(writer, spec, plan, width, features));

    private static void EmitPath(SourceWriter writer, LayerNormSpec spec, LayerNormPlan plan, VectorWidth width, TargetFeatures features)
    {
        string type = spec.Element.Keyword();
        int n = plan.GroupSize;
        var passes = new VectorPasses(writer, spec.Element, width, features.VectorFusedMultiplyAdd);
        // Out of cache, two groups' stores interleave two write streams to memory: slower than one at a time.
        bool paired = 2L * plan.Groups * n * spec.Element.Size() <= Limits.PairedGroupsMaxBytes;
        int pairs = paired ? plan.Groups / 2 : 0;
        string cast = spec.Element == ElementType.Float ? "(float)" : "";

        // Largest outputs: stored past the caches.
        bool streamed = StreamingStore.Applies(spec, plan, paired);

        // One group on its own (x and y point at it).
        void EmitSingle(string group)
        {
            if (!streamed)
            {
                EmitGroup(writer, spec, plan, width, passes, group);
                return;
            }

            EmitStatistics(writer, spec, plan, width, passes, group);
            writer.Line($"{type} muT = {cast}mu, invStdT = {cast}invStd;");
            writer.Line();
            EmitBroadcasts(writer, width, ["T"]);
            StreamingStore.EmitGroup(writer, spec, width, passes, n, group,
                (vector, xValue, weight, bias, offset) => Normalized(spec, passes, width, vector, xValue, "T", VectorPasses.Load(vector, weight, offset), VectorPasses.Load(vector, bias, offset)));
        }

        if (pairs == 0)
        {
            if (streamed)
            {
                StreamingStore.EmitSetup(writer, spec, plan, width);
            }

            LayerNormEmitter.EmitGroupLoop(writer, spec, plan, EmitSingle);
            if (streamed)
            {
                StreamingStore.EmitEnd(writer, spec, plan, width);
            }

            return;
        }

        void EmitPair(string first)
        {
            string second = int.TryParse(first, out int g) ? Literals.Int(g + 1) : $"{first} + 1";
            writer.Line($"{type} muA, invStdA, muB, invStdB;");
            foreach ((string group, string k, int index) in new[] { (first, "A", 0), (second, "B", 1) })
            {
                using (writer.Block($"// Group {group}: statistics"))
                {
                    writer.Line($"ref {type} x = ref {LayerNormEmitter.At("inputRef", GroupStart(first, index, n))};");
                    EmitStatistics(writer, spec, plan, width, passes, group);
                    writer.Line($"mu{k} = {cast}mu;");
                    writer.Line($"invStd{k} = {cast}invStd;");
                }
            }

            writer.Line();
            string shared = spec.HasWeight || spec.HasBias ? $", {(spec.HasWeight && spec.HasBias ? "weight and bias" : spec.HasWeight ? "weight" : "bias")} loaded once for both" : "";
            using (writer.Block($"// Groups {first} and {second}: the store pass{shared}"))
            {
                writer.Line($"ref {type} xA = ref {LayerNormEmitter.At("inputRef", GroupStart(first, 0, n))};");
                writer.Line($"ref {type} yA = ref {LayerNormEmitter.At("outputRef", GroupStart(first, 0, n))};");
                writer.Line($"ref {type} xB = ref {Names.Unsafe}.Add(ref xA, {n});");
                writer.Line($"ref {type} yB = ref {Names.Unsafe}.Add(ref yA, {n});");
                EmitStore(writer, spec, width, passes, n, ["A", "B"]);
            }
        }

        // One pair is written out; more go in a loop (a pair is hundreds of lines per vector width, and written out
        // 3 to 7 times it outgrew what the JIT optimizes).
        if (pairs == 1)
        {
            writer.Line();
            using (writer.Block("// Groups 0 and 1"))
            {
                EmitPair("0");
            }
        }
        else
        {
            using (writer.Block($"for (int g = 0; g < {2 * pairs}; g += 2)"))
            {
                EmitPair("g");
            }
        }

        if (plan.Groups % 2 == 1)
        {
            writer.Line();
            writer.Line("// The last, odd group on its own.");
            LayerNormEmitter.EmitGroupLoop(writer, spec, plan, EmitSingle, firstGroup: plan.Groups - 1, groupCount: 1);
        }
    }

    /// <summary>
    /// One group on its own, statistics then stores (x and y point at it; <paramref name="group"/> indexes its saved
    /// statistics).
    /// </summary>
    internal static void EmitGroup(SourceWriter writer, LayerNormSpec spec, LayerNormPlan plan, VectorWidth width, VectorPasses passes, string group)
    {
        string cast = spec.Element == ElementType.Float ? "(float)" : "";
        EmitStatistics(writer, spec, plan, width, passes, group);
        writer.Line($"{spec.Element.Keyword()} muT = {cast}mu, invStdT = {cast}invStd;");
        writer.Line();
        EmitStore(writer, spec, width, passes, plan.GroupSize, ["T"]);
    }

    /// <summary>The first element of group first + index (first: a constant, or the loop variable g).</summary>
    private static string GroupStart(string first, int index, int n) =>
        int.TryParse(first, out int g) ? Literals.Int((long)(g + index) * n)
        : index == 0 ? $"{first} * {n}"
        : $"({first} + {index}) * {n}";

    /// <summary>
    /// The group's mean and 1 / sqrt(var + eps) in the doubles <c>mu</c> and <c>invStd</c> (x points at the group),
    /// and its saved statistics.
    /// </summary>
    private static void EmitStatistics(SourceWriter writer, LayerNormSpec spec, LayerNormPlan plan, VectorWidth width, VectorPasses passes, string group)
    {
        string type = spec.Element.Keyword();
        string v = width.Class;
        string suffix = width.Suffix;
        int n = plan.GroupSize;

        writer.Line("// Pass 1: deviations from the group's first element, their sum and their squares, in one pass. Shifting by");
        writer.Line("// an element of the group keeps large offsets from cancelling and makes constant groups exact.");
        writer.Line($"{type} center = x;");
        writer.Line($"var center{suffix} = {v}.Create(center);");
        writer.Line("double sumOfSquares, deviations, drift, variance;");
        using (writer.Block("for (int attempt = 0; ; attempt++)"))
        {
            EmitShiftedSums(writer, width, passes, n, "x");
            writer.Line($"drift = deviations * (1.0 / {n});");
            writer.Line($"variance = {Names.Math}.Max(0, sumOfSquares * (1.0 / {n}) - drift * drift);");
            writer.Line($"// Most groups stop here. If the first element lies more than {Limits.ShiftDeviationsMax} standard deviations from the mean, the");
            writer.Line("// difference above cancels digits: once more around the mean just found (the corrected two-pass algorithm).");
            using (writer.Block($"if (attempt > 0 || drift * drift <= {Limits.ShiftDeviationsMax * Limits.ShiftDeviationsMax} * variance)"))
            {
                writer.Line("break;");
            }

            writer.Line($"center = ({type})(center + drift);");
            writer.Line($"center{suffix} = {v}.Create(center);");
        }

        writer.Line("double mu = center + drift;");
        writer.Line($"double invStd = 1 / {Names.Math}.Sqrt(variance + {Literals.Double(spec.Epsilon)});");
        LayerNormEmitter.EmitStatistics(writer, spec, group, "mu", "invStd");
    }

    /// <summary>
    /// sumOfSquares and deviations over the group at <paramref name="group"/> (all n elements) around the locals center
    /// and its broadcast, then <see cref="EmitOverflowFallback"/>.
    /// </summary>
    internal static void EmitShiftedSums(SourceWriter writer, VectorWidth width, VectorPasses passes, int n, string group)
    {
        writer.Line("sumOfSquares = 0; deviations = 0;");
        passes.SumOfSquares("sumOfSquares", "deviations", n,
            (vector, offset) => $"{VectorPasses.Load(vector, group, offset)} - {(vector == width.Class ? "center" + width.Suffix : $"{vector}.Create(center)")}",
            offset => $"{LayerNormEmitter.At(group, offset)} - center");
        EmitOverflowFallback(writer, passes, n, group);
    }

    /// <summary>Float squares that overflowed: the sums again with each deviation of the group squared in double.</summary>
    internal static void EmitOverflowFallback(SourceWriter writer, VectorPasses passes, int n, string group) =>
        passes.EmitSquaresOverflowFallback(withDeviations: true, value => $"{value} - center", body =>
        {
            using (writer.Block($"for (nuint i = 0; i < {n}; i++)"))
            {
                body(LayerNormEmitter.At(group, "i"));
            }
        });

    /// <summary>
    /// Pass 2 over one group (x/y, locals muT and invStdT) or two (xA/yA and xB/yB, locals muA, invStdA, muB, invStdB):
    /// y = (x - mu) * invStd * weight + bias with mu and invStd in the element type; weight and bias loaded once per vector.
    /// </summary>
    private static void EmitStore(SourceWriter writer, LayerNormSpec spec, VectorWidth width, VectorPasses passes, int n, string[] groups)
    {
        bool single = groups.Length == 1;
        string xRef(string k) => single ? "x" : "x" + k;
        string yRef(string k) => single ? "y" : "y" + k;
        EmitBroadcasts(writer, width, groups);
        int shared = 0;
        writer.Line($"// Pass 2: y = (x - mu) * invStd{(spec.HasWeight ? " * weight" : "")}{(spec.HasBias ? " + bias" : "")}, each block of vectors loaded before any is stored.");
        // Two groups load a block of vectors each before any is stored: half as many vectors a block, for the registers.
        passes.ForEach(n, [.. groups.Select(xRef)],
            (vector, offset, loaded, stores) =>
            {
                // Weight and bias in locals when two groups share them (named per vector: several share one loop body).
                string weight = VectorPasses.Load(vector, "weightRef", offset);
                string bias = VectorPasses.Load(vector, "biasRef", offset);
                var lines = new List<string>();
                if (!single)
                {
                    int id = shared++;
                    if (spec.HasWeight)
                    {
                        lines.Add($"var w{id} = {weight};");
                        weight = $"w{id}";
                    }

                    if (spec.HasBias)
                    {
                        lines.Add($"var b{id} = {bias};");
                        bias = $"b{id}";
                    }
                }

                // Loaded into locals: the values go into locals too, stored after the block's last load.
                bool sharedLoads = lines.Count > 0;
                foreach (string k in groups)
                {
                    lines.Add(stores.Store(vector, Normalized(spec, passes, width, vector, loaded(xRef(k)), k, weight, bias), yRef(k), offset, sharedLoads));
                }

                return string.Join("\n", lines);
            },
            offset => string.Join("\n", groups.Select(k =>
            {
                string value = $"({LayerNormEmitter.At(xRef(k), offset)} - mu{k}) * invStd{k}";
                value += spec.HasWeight ? $" * {LayerNormEmitter.At("weightRef", offset)}" : "";
                value += spec.HasBias ? $" + {LayerNormEmitter.At("biasRef", offset)}" : "";
                return $"{LayerNormEmitter.At(yRef(k), offset)} = {value};";
            })),
            Limits.StoreUnroll / groups.Length);
    }

    /// <summary>"var muT512 = Vector512.Create(muT);" and the same for invStd, per group suffix.</summary>
    internal static void EmitBroadcasts(SourceWriter writer, VectorWidth width, string[] groups)
    {
        foreach (string k in groups)
        {
            writer.Line($"var mu{k}{width.Suffix} = {width.Class}.Create(mu{k});");
            writer.Line($"var invStd{k}{width.Suffix} = {width.Class}.Create(invStd{k});");
        }
    }

    /// <summary>
    /// (x - mu) * invStd * weight + bias for the vector <paramref name="x"/> (a load, or a local loaded before), with group
    /// k's broadcast statistics (muT512...; a narrower tail vector broadcasts its own) and the given weight and bias.
    /// </summary>
    internal static string Normalized(LayerNormSpec spec, VectorPasses passes, VectorWidth width, string vector, string x, string k, string weight, string bias)
    {
        string broadcast(string name) => vector == width.Class ? name + width.Suffix : $"{vector}.Create({name})";
        string value = $"({x} - {broadcast("mu" + k)}) * {broadcast("invStd" + k)}";
        if (spec.HasWeight && spec.HasBias)
        {
            return passes.MultiplyAdd(vector, value, weight, bias);
        }

        value += spec.HasWeight ? $" * {weight}" : "";
        value += spec.HasBias ? $" + {bias}" : "";
        return value;
    }
}

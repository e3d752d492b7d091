using FixedNorm.Generator.Model;
using FixedNorm.Generator.Planning;

namespace FixedNorm.Generator.Emitting;

/// <summary>
/// Groups of 64 bytes to 1 KB, a vector's worth of groups (its lane count) at a time. Each group's deviations from its
/// first element and their squares are added into one vector each, as in the per-group code (a group that is not a
/// whole number of vectors ends in one ending at its end, its lanes before the last few left out); a tree of
/// shuffles and blends (<c>Lanes.AddPairs</c>) then adds the lanes of all the batch's vectors at once, leaving group g's
/// sums in lane g, and one vector square root and division give every group's statistics, in double from there on as
/// the per-group code takes them. Float sums stay in float longer than in the per-group code, which widens each group's
/// lanes to double and keeps up to four accumulators: here a lane adds up to 64 values (256 floats on Vector128) with
/// one accumulator, then the tree adds up to 16 lanes in float. A lane of the per-group code adds as many within one of
/// its 1,024-element chunks. The groups of a batch that holds an outlier first element, squares that overflowed, NaN or infinity, and the groups after the last full batch, take the
/// per-group code (<see cref="VectorLayerNormEmitter.EmitGroup"/>). Groups of more than
/// <see cref="Limits.BatchedUnrolledVectorsMax"/> vectors at a width take a loop over each one's vectors.
/// </summary>
internal static class BatchedLayerNormEmitter
{
    public static void Emit(SourceWriter writer, LayerNormSpec spec, LayerNormPlan plan, TargetFeatures features) =>
        VectorPasses.EmitPerWidth(writer, spec.Element, LayerNormEmitter.Spans(spec, plan), width => EmitPath(writer, spec, plan, width, features));

    private static void EmitPath(SourceWriter writer, LayerNormSpec spec, LayerNormPlan plan, VectorWidth width, TargetFeatures features)
    {
        ElementType element = spec.Element;
        string type = element.Keyword();
        string v = width.Class;
        int lanes = width.Lanes(element);
        int n = plan.GroupSize;
        // Whole vectors, then (where the group is not a whole number of them) one more, ending at the group's end, whose
        // lanes before the last n % lanes are the vector before's and count only once.
        var layout = new GroupVectors(n, lanes);
        int vectors = layout.Count;
        var passes = new VectorPasses(writer, element, width, features.VectorFusedMultiplyAdd);
        bool isFloat = element == ElementType.Float;
        // Up to a few vectors a group, straight-line code; more, a loop over each group's vectors (the same code size for any).
        bool unrolled = vectors <= Limits.BatchedUnrolledVectorsMax;

        writer.Line($"// {lanes} groups at a time: each group's first element, and after the statistics each one's mean and 1 / sqrt(var + eps).");
        foreach (string name in new[] { "centers", "means", "invStds" })
        {
            writer.Line($"global::System.Span<{type}> {name} = stackalloc {type}[{lanes}];");
            writer.Line($"ref {type} {name}Ref = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference({name});");
        }

        writer.Line($"bool forwards = {Names.MemoryHints}.StoreStep(ref inputRef, ref outputRef, 1) == 1; // see the store loops");
        writer.Line($"// The lane tree: at step s, lane i adds lane i ^ s, of the left vector where i & s is 0, of the right one elsewhere.");
        for (int step = 1; step < lanes; step *= 2)
        {
            string index = string.Join(", ", Enumerable.Range(0, lanes).Select(i => Literals.Int(i ^ step) + (isFloat ? "" : "L")));
            string mask = string.Join(", ", Enumerable.Range(0, lanes).Select(i => ((i & step) == 0 ? "-1" : "0") + (isFloat ? "" : "L")));
            writer.Line($"var laneSwap{step} = {v}.Create({index});");
            writer.Line($"var leftLanes{step} = {v}.As{(isFloat ? "Single" : "Double")}({v}.Create({mask}));");
        }

        // A group that is not whole vectors: the mask of its last vector's lanes after them.
        passes.DeclareTailMask(n, "group");

        if (!unrolled)
        {
            writer.Line($"// {vectors} vectors a group: the sums and the stores loop over each group's vectors.");
        }
        else if (spec.HasWeight || spec.HasBias)
        {
            writer.Line("// Weight and bias, a vector at a time, as every group uses them.");
        }

        for (int j = 0; unrolled && j < vectors; j++)
        {
            if (spec.HasWeight)
            {
                writer.Line($"var weight{j} = {VectorPasses.Load(v, "weightRef", Literals.Int(layout.Offset(j)))};");
            }

            if (spec.HasBias)
            {
                writer.Line($"var bias{j} = {VectorPasses.Load(v, "biasRef", Literals.Int(layout.Offset(j)))};");
            }
        }

        bool remainder = plan.Groups % lanes != 0;
        using (writer.Block($"for (int batch = 0; batch < {plan.Groups}; batch += {lanes})"))
        {
            using (writer.Block(remainder ? $"if (batch <= {plan.Groups - lanes})" : null))
            {
                writer.Line($"ref {type} x = ref {LayerNormEmitter.At("inputRef", $"batch * {n}")};");
                writer.Line($"ref {type} y = ref {LayerNormEmitter.At("outputRef", $"batch * {n}")};");
                EmitSums(writer, width, element, lanes, n, layout, unrolled, features.VectorFusedMultiplyAdd);
                EmitStatistics(writer, spec, width, n);
                EmitCondition(writer, spec, width);
                using (writer.Block("if (regular)"))
                {
                    EmitStores(writer, spec, passes, width, lanes, n, layout, unrolled);
                    writer.Line("continue;");
                }
            }

            writer.Line();
            writer.Line($"// The per-group code: for a batch where a first element lies more than {Limits.ShiftDeviationsMax} standard deviations from its");
            writer.Line($"// group's mean, where {type} squares overflowed, or that holds NaN or infinity{(remainder ? "; and for the groups after the last full batch" : "")}.");
            string end = remainder ? $"{Names.Math}.Min(batch + {lanes}, {plan.Groups})" : $"batch + {lanes}";
            using (writer.Block($"for (int g = batch; g < {end}; g++)"))
            {
                writer.Line($"ref {type} x = ref {LayerNormEmitter.At("inputRef", $"g * {n}")};");
                writer.Line($"ref {type} y = ref {LayerNormEmitter.At("outputRef", $"g * {n}")};");
                VectorLayerNormEmitter.EmitGroup(writer, spec, plan, width, passes, "g");
            }
        }
    }

    /// <summary>
    /// "sums" and "squares": lane g holds group g's sum of deviations from its first element, and of their squares. The
    /// tree adds each pair of vectors as soon as both are there, so few are live at once.
    /// </summary>
    private static void EmitSums(SourceWriter writer, VectorWidth width, ElementType element, int lanes, int n, GroupVectors layout, bool unrolled, bool fused)
    {
        string v = width.Class;
        string type = element.Keyword();
        var pending = new Stack<(int First, int Count)>();
        writer.Line("// Each group's deviations from its first element, and their squares, as one vector each; the tree adds each pair");
        writer.Line("// of those as soon as both are there.");
        for (int g = 0; g < lanes; g++)
        {
            writer.Line($"// Group batch + {g}");
            writer.Line($"{type} center{g} = {LayerNormEmitter.At("centersRef", Literals.Int(g))} = {LayerNormEmitter.At("x", Literals.Int((long)g * n))};");
            writer.Line($"var shift{g} = {v}.Create(center{g});");
            string deviation(int j)
            {
                string d = $"{VectorPasses.Load(v, "x", Literals.Int(((long)g * n) + layout.Offset(j)))} - shift{g}";
                return j < layout.Whole ? d : $"({d}) & {VectorPasses.TailMaskName}";
            }

            if (!unrolled)
            {
                // A loop over the whole vectors, then the last one if the group is not whole vectors.
                long start = (long)g * n;
                writer.Line($"var sums{g}to{g} = {deviation(0)};");
                writer.Line($"var squares{g}to{g} = sums{g}to{g} * sums{g}to{g};");
                using (writer.Block($"for (nuint i = {start + lanes}; i < {start + ((long)layout.Whole * lanes)}; i += {lanes})"))
                {
                    writer.Line($"var d = {VectorPasses.Load(v, "x", "i")} - shift{g};");
                    writer.Line($"sums{g}to{g} += d;");
                    writer.Line(VectorPasses.AddSquare(v, $"squares{g}to{g}", "d", fused));
                }

                if (layout.HasTail)
                {
                    writer.Line($"var last{g} = {deviation(layout.Whole)};");
                    writer.Line($"sums{g}to{g} += last{g};");
                    writer.Line(VectorPasses.AddSquare(v, $"squares{g}to{g}", $"last{g}", fused));
                }
            }
            else if (layout.Count == 1)
            {
                writer.Line($"var sums{g}to{g} = {deviation(0)};");
                writer.Line($"var squares{g}to{g} = sums{g}to{g} * sums{g}to{g};");
            }
            else
            {
                for (int j = 0; j < layout.Count; j++)
                {
                    writer.Line($"var d{g}_{j} = {deviation(j)};");
                }

                writer.Line($"var sums{g}to{g} = {VectorPasses.PairwiseSum([.. Enumerable.Range(0, layout.Count).Select(j => $"d{g}_{j}")])};");
                writer.Line($"var squares{g}to{g} = d{g}_0 * d{g}_0;");
                for (int j = 1; j < layout.Count; j++)
                {
                    writer.Line(VectorPasses.AddSquare(v, $"squares{g}to{g}", $"d{g}_{j}", fused));
                }
            }

            (int First, int Count) top = (g, 1);
            while (pending.Count > 0 && pending.Peek().Count == top.Count)
            {
                (int First, int Count) left = pending.Pop();
                int step = top.Count;
                string l = $"{left.First}to{left.First + step - 1}";
                string r = $"{top.First}to{top.First + step - 1}";
                string both = $"{left.First}to{top.First + step - 1}";
                foreach (string name in new[] { "sums", "squares" })
                {
                    writer.Line($"var {name}{both} = {Names.Lanes}.AddPairs({name}{l}, {name}{r}, laneSwap{step}, leftLanes{step});");
                }

                top = (left.First, 2 * step);
            }

            pending.Push(top);
        }

        writer.Line($"var sums = sums0to{lanes - 1};");
        writer.Line($"var squares = squares0to{lanes - 1};");
    }

    /// <summary>
    /// Per lane, in double: drift (the mean of the deviations), variance, mu (the mean) and invStd, as the per-group
    /// code takes them; float lanes in two halves, Lower and Upper.
    /// </summary>
    private static void EmitStatistics(SourceWriter writer, LayerNormSpec spec, VectorWidth width, int n)
    {
        string v = width.Class;
        writer.Line();
        writer.Line($"// Per lane (group), in double as in the per-group code: the mean of the deviations, the variance, the mean and 1 / sqrt(var + eps).");
        foreach ((string half, string sums, string squares, string centers) in Halves(spec, width))
        {
            writer.Line($"var drift{half} = {sums} * (1.0 / {n});");
            writer.Line($"var variance{half} = {v}.Max({v}<double>.Zero, {squares} * (1.0 / {n}) - drift{half} * drift{half});");
            writer.Line($"var mu{half} = {centers} + drift{half};");
            writer.Line($"var invStd{half} = {v}<double>.One / {v}.Sqrt(variance{half} + {v}.Create({Literals.Double(spec.Epsilon)}));");
        }
    }

    /// <summary>The lanes in double: once for double elements, or the two halves of float ones.</summary>
    private static IEnumerable<(string Half, string Sums, string Squares, string Centers)> Halves(LayerNormSpec spec, VectorWidth width)
    {
        string v = width.Class;
        string centers = VectorPasses.Load(v, "centersRef", "0");
        if (spec.Element == ElementType.Double)
        {
            return [("", "sums", "squares", centers)];
        }

        return [("Lower", $"{v}.WidenLower(sums)", $"{v}.WidenLower(squares)", $"{v}.WidenLower({centers})"),
            ("Upper", $"{v}.WidenUpper(sums)", $"{v}.WidenUpper(squares)", $"{v}.WidenUpper({centers})")];
    }

    /// <summary>"regular": every square finite, and every first element within the limit of its group's mean (NaN fails both).</summary>
    private static void EmitCondition(SourceWriter writer, LayerNormSpec spec, VectorWidth width)
    {
        string v = width.Class;
        int limit = Limits.ShiftDeviationsMax * Limits.ShiftDeviationsMax;
        var lines = new List<string> { $"bool regular = {v}.LessThanAll(squares, {v}.Create({spec.Element.Keyword()}.PositiveInfinity))" };
        lines.AddRange(Halves(spec, width).Select(h => $"    && {v}.LessThanOrEqualAll(drift{h.Half} * drift{h.Half}, variance{h.Half} * {limit})"));
        lines[lines.Count - 1] += ";";
        writer.Line(string.Join("\n", lines));
    }

    /// <summary>Saved statistics, then y = (x - mu) * invStd * weight + bias, group by group.</summary>
    private static void EmitStores(SourceWriter writer, LayerNormSpec spec, VectorPasses passes, VectorWidth width, int lanes, int n, GroupVectors layout, bool unrolled)
    {
        string v = width.Class;
        bool isFloat = spec.Element == ElementType.Float;
        writer.Line($"var meanLanes = {(isFloat ? $"{v}.Narrow(muLower, muUpper)" : "mu")};");
        writer.Line($"var invStdLanes = {(isFloat ? $"{v}.Narrow(invStdLower, invStdUpper)" : "invStd")};");
        writer.Line(VectorPasses.Store(v, "meanLanes", "meansRef", "0"));
        writer.Line(VectorPasses.Store(v, "invStdLanes", "invStdsRef", "0"));
        if (spec.HasMean)
        {
            writer.Line(VectorPasses.Store(v, "meanLanes", "meanRef", "(nuint)batch"));
        }

        if (spec.HasRstd)
        {
            writer.Line(VectorPasses.Store(v, "invStdLanes", "rstdRef", "(nuint)batch"));
        }

        string formula = $"y = (x - mu) * invStd{(spec.HasWeight ? " * weight" : "")}{(spec.HasBias ? " + bias" : "")}";
        using (writer.Block("if (forwards)"))
        {
            writer.Line($"// Group by group, {formula}.");
            EmitStoreLoop(writer, spec, passes, width, lanes, n, layout, unrolled, forwards: true);
        }

        using (writer.Block("else"))
        {
            writer.Line(layout.HasTail ? "// The same from the last whole vector back (each group's part vector still stored last)." : "// The same from the last vector back.");
            EmitStoreLoop(writer, spec, passes, width, lanes, n, layout, unrolled, forwards: false);
        }
    }

    /// <summary>
    /// The batch's stores, group by group and each group's vectors in order, or both from the end: vector by vector, each
    /// load comes after stores to addresses above it (backwards) or below it (forwards), never to one that agrees with it
    /// in the low 12 bits while the output lies up to 2 KB past the input modulo 4 KB (see MemoryHints.StoreStep). A
    /// group's last vector, which overlaps the one before it, is loaded before any of the group's stores and stored
    /// last: in place, its overlapping lanes are still the input, and it stores them again with the same values.
    /// </summary>
    private static void EmitStoreLoop(SourceWriter writer, LayerNormSpec spec, VectorPasses passes, VectorWidth width, int lanes, int n, GroupVectors layout, bool unrolled, bool forwards)
    {
        string v = width.Class;
        string header = forwards ? $"for (int g = 0; g < {lanes}; g++)" : $"for (int g = {lanes - 1}; g >= 0; g--)";
        string normalized(string x, string weight, string bias) => VectorLayerNormEmitter.Normalized(spec, passes, width, v, x, "", weight, bias);
        string tailOffset = Literals.Int(n - lanes);
        using (writer.Block(header))
        {
            writer.Line($"var mu{width.Suffix} = {v}.Create({LayerNormEmitter.At("meansRef", "g")});");
            writer.Line($"var invStd{width.Suffix} = {v}.Create({LayerNormEmitter.At("invStdsRef", "g")});");
            writer.Line($"ref {spec.Element.Keyword()} xg = ref {LayerNormEmitter.At("x", $"g * {n}")};");
            writer.Line($"ref {spec.Element.Keyword()} yg = ref {LayerNormEmitter.At("y", $"g * {n}")};");
            if (layout.HasTail)
            {
                writer.Line($"var lastX = {VectorPasses.Load(v, "xg", tailOffset)};");
            }

            if (unrolled)
            {
                for (int k = 0; k < layout.Whole; k++)
                {
                    int j = forwards ? k : layout.Whole - 1 - k;
                    string offset = Literals.Int(layout.Offset(j));
                    writer.Line(VectorPasses.Store(v, normalized(VectorPasses.Load(v, "xg", offset), $"weight{j}", $"bias{j}"), "yg", offset));
                }

                if (layout.HasTail)
                {
                    writer.Line(VectorPasses.Store(v, normalized("lastX", $"weight{layout.Whole}", $"bias{layout.Whole}"), "yg", tailOffset));
                }

                return;
            }

            // A loop over the group's vectors, weight and bias loaded with each (backwards, i wraps past 0 to end it).
            long end = (long)layout.Whole * lanes;
            string loop = forwards
                ? $"for (nuint i = 0; i < {end}; i += {lanes})"
                : $"for (nuint i = {end - lanes}; i < {end}; i = unchecked(i - {lanes}))";
            using (writer.Block(loop))
            {
                string value = normalized(VectorPasses.Load(v, "xg", "i"), VectorPasses.Load(v, "weightRef", "i"), VectorPasses.Load(v, "biasRef", "i"));
                writer.Line(VectorPasses.Store(v, value, "yg", "i"));
            }

            if (layout.HasTail)
            {
                string value = normalized("lastX", VectorPasses.Load(v, "weightRef", tailOffset), VectorPasses.Load(v, "biasRef", tailOffset));
                writer.Line(VectorPasses.Store(v, value, "yg", tailOffset));
            }
        }
    }

    /// <summary>
    /// A group of <see cref="N"/> elements as vectors of <see cref="Lanes"/> lanes: <see cref="Whole"/> whole ones
    /// from its start, then, if <see cref="Tail"/> elements are left, one ending at the group's end.
    /// </summary>
    private readonly record struct GroupVectors(int N, int Lanes)
    {
        public int Whole => N / Lanes;

        public int Tail => N % Lanes;

        public bool HasTail => Tail != 0;

        public int Count => Whole + (HasTail ? 1 : 0);

        /// <summary>The first element of vector <paramref name="j"/> within the group.</summary>
        public int Offset(int j) => j < Whole ? j * Lanes : N - Lanes;
    }
}

using FixedNorm.Generator.Model;
using FixedNorm.Generator.Planning;

namespace FixedNorm.Generator.Emitting;

/// <summary>Writes the body of a LayerNorm kernel: comments, entry checks, then the planned computation.</summary>
internal static class LayerNormEmitter
{
    public static void EmitBody(SourceWriter writer, LayerNormSpec spec, TargetFeatures features)
    {
        LayerNormPlan plan = LayerNormPlan.For(spec);
        string type = spec.Element.Keyword();
        string shape = string.Join(", ", spec.Shape);
        writer.Line($"// LayerNorm of a [{shape}] {type} tensor over axes [{spec.Axis}, {spec.Shape.Count}): {plan.Groups} group(s) of {plan.GroupSize} contiguous elements.");
        writer.Line($"// y = (x - mean) / sqrt(var + eps){(spec.HasWeight ? " * weight" : "")}{(spec.HasBias ? " + bias" : "")}, biased variance, eps = {Literals.Double(spec.Epsilon)}.");
        string widths = string.Join(" / ", VectorWidth.All.Select(w => "Vector" + w.Bits));
        writer.Line(plan.Strategy is GroupStrategy.Vector or GroupStrategy.Aligned or GroupStrategy.Batched
            ? "// Never E[x^2] - E[x]^2: sums of deviations from the group's first element, again around the mean if that element is an outlier."
            : "// Two passes, never E[x^2] - E[x]^2: exact for constant groups, no cancellation for large offsets.");
        writer.Line(plan.Strategy == GroupStrategy.Scalar
            ? "// Plan: straight-line scalar code per group, statistics in double around the group's first element."
            : plan.Strategy == GroupStrategy.Transposed
            ? $"// Plan: {Transpose.Lanes(spec.Element)} groups at a time as the lanes of one Vector256 per column (a transpose in registers), around each group's first element."
            : plan.Strategy == GroupStrategy.Batched
            ? $"// Plan: a vector's worth of groups at a time ({widths} by hardware), their lane sums added across the groups by a tree of shuffles."
            : plan.Strategy == GroupStrategy.Aligned
            ? $"// Plan: aligned vector passes ({widths} by hardware), each group's sums in the store loop of the group before it, in chunks of {Limits.SumChunk} added into a double."
            : $"// Plan: vector passes per group ({widths} by hardware), sums in chunks of {Limits.SumChunk} added into a double.");

        IReadOnlyList<SpanParameter> spans = Spans(spec, plan);
        writer.Line();
        EntryChecks.Emit(writer, spec.Element, spans);

        if (plan.Strategy == GroupStrategy.Scalar)
        {
            ScalarLayerNormEmitter.Emit(writer, spec, plan);
        }
        else if (plan.Strategy == GroupStrategy.Transposed)
        {
            TransposedLayerNormEmitter.Emit(writer, spec, plan, features);
        }
        else if (plan.Strategy == GroupStrategy.Batched)
        {
            BatchedLayerNormEmitter.Emit(writer, spec, plan, features);
        }
        else if (plan.Strategy == GroupStrategy.Aligned)
        {
            AlignedLayerNormEmitter.Emit(writer, spec, plan, features);
        }
        else
        {
            VectorLayerNormEmitter.Emit(writer, spec, plan, features);
        }
    }

    /// <summary>The kernel's span parameters, in the order the entry checks take them.</summary>
    public static IReadOnlyList<SpanParameter> Spans(LayerNormSpec spec, LayerNormPlan plan)
    {
        var spans = new List<SpanParameter>
        {
            new("input", plan.Groups * plan.GroupSize, Written: false),
            new("output", plan.Groups * plan.GroupSize, Written: true),
        };
        if (spec.HasWeight)
        {
            spans.Add(new("weight", plan.GroupSize, Written: false));
        }

        if (spec.HasBias)
        {
            spans.Add(new("bias", plan.GroupSize, Written: false));
        }

        if (spec.HasMean)
        {
            spans.Add(new("mean", plan.Groups, Written: true));
        }

        if (spec.HasRstd)
        {
            spans.Add(new("rstd", plan.Groups, Written: true));
        }

        return spans;
    }

    /// <summary>"x" for offset 0, else "Unsafe.Add(ref x, offset)".</summary>
    public static string At(string reference, string offset) =>
        offset == "0" ? reference : $"{Names.Unsafe}.Add(ref {reference}, {offset})";

    /// <summary>
    /// A float value read into double arithmetic, through Widen.ToDouble: the implicit conversion makes each element of
    /// a straight-line kernel wait for the one before (see Widen). Double values as they are.
    /// </summary>
    public static string AsDouble(ElementType element, string value) =>
        element == ElementType.Float ? $"{Names.Widen}.ToDouble({value})" : value;

    /// <summary>Writes "for (int g = 0; g &lt; groups; g++)" with refs x and y to the group, or a block for one group.</summary>
    public static void EmitGroupLoop(SourceWriter writer, LayerNormSpec spec, LayerNormPlan plan, Action<string> emitGroup, int firstGroup = 0, int? groupCount = null)
    {
        string type = spec.Element.Keyword();
        int count = groupCount ?? plan.Groups;
        // Scalar groups are a few lines each, written out up to a limit; vector groups (hundreds of lines, once per
        // vector width) only when there is one.
        bool scalarGroups = plan.Strategy is GroupStrategy.Scalar or GroupStrategy.Transposed;
        if (plan.UnrollGroups || count == 1 || (scalarGroups && count < Limits.UnrolledRemainderGroupsMax))
        {
            for (int g = firstGroup; g < firstGroup + count; g++)
            {
                writer.Line();
                int start = g * plan.GroupSize;
                using (writer.Block($"// Group {g}: elements [{start}, {start + plan.GroupSize})"))
                {
                    writer.Line($"ref {type} x = ref {At("inputRef", Literals.Int(start))};");
                    writer.Line($"ref {type} y = ref {At("outputRef", Literals.Int(start))};");
                    emitGroup(Literals.Int(g));
                }
            }

            return;
        }

        using (writer.Block($"for (int g = {firstGroup}; g < {firstGroup + count}; g++)"))
        {
            writer.Line($"ref {type} x = ref {At("inputRef", $"g * {plan.GroupSize}")};");
            writer.Line($"ref {type} y = ref {At("outputRef", $"g * {plan.GroupSize}")};");
            emitGroup("g");
        }
    }

    /// <summary>Stores the group's mean and rstd when the method asked for them.</summary>
    public static void EmitStatistics(SourceWriter writer, LayerNormSpec spec, string group, string mean, string rstd)
    {
        string cast = spec.Element == ElementType.Float ? "(float)" : "";
        if (spec.HasMean)
        {
            writer.Line($"{At("meanRef", group)} = {(cast.Length > 0 ? $"{cast}({mean})" : mean)};");
        }

        if (spec.HasRstd)
        {
            writer.Line($"{At("rstdRef", group)} = {cast}{rstd};");
        }
    }
}

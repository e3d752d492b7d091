using FixedNorm.Generator.Model;
using FixedNorm.Generator.Planning;

namespace FixedNorm.Generator.Emitting;

/// <summary>BatchNorm in scalar code: straight-line for tiny tensors, constant-trip loops for short strided runs.</summary>
internal static class ScalarBatchNormEmitter
{
    /// <summary>Every channel written out: its values in locals, no loops.</summary>
    public static void EmitUnrolled(SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan)
    {
        string cast = BatchNormEmitter.Cast(spec);
        for (int c = 0; c < plan.Channels; c++)
        {
            int[] offsets = Enumerable.Range(0, plan.Outer)
                .SelectMany(o => Enumerable.Range(0, plan.Inner).Select(i => plan.Offset(o, c, i)))
                .ToArray();
            string channel = Literals.Int(c);
            writer.Line();
            using (writer.Block($"// Channel {c}: {plan.Count} value(s) at input[{string.Join(", ", offsets.Take(4))}{(offsets.Length > 4 ? ", ..." : "")}]"))
            {
                string x(int k) => LayerNormEmitter.AsDouble(spec.Element, LayerNormEmitter.At("inputRef", Literals.Int(offsets[k])));
                string y(int k) => LayerNormEmitter.At("outputRef", Literals.Int(offsets[k]));
                if (spec.Training)
                {
                    writer.Line($"double shift = {x(0)};");
                    for (int k = 0; k < offsets.Length; k++)
                    {
                        writer.Line($"double d{k} = {x(k)} - shift;");
                    }

                    writer.Line($"double mu = ({string.Join(" + ", offsets.Select((_, k) => "d" + k))}) / {plan.Count};");
                    for (int k = 0; k < offsets.Length; k++)
                    {
                        writer.Line($"d{k} -= mu;");
                    }

                    writer.Line($"double sumOfSquares = {string.Join(" + ", offsets.Select((_, k) => $"d{k} * d{k}"))};");
                    BatchNormEmitter.EmitTrainingStatistics(writer, spec, plan, channel);
                    for (int k = 0; k < offsets.Length; k++)
                    {
                        writer.Line($"{y(k)} = {cast}(d{k} * scale + b);");
                    }
                }
                else
                {
                    BatchNormEmitter.EmitInferenceStatistics(writer, spec, channel);
                    for (int k = 0; k < offsets.Length; k++)
                    {
                        writer.Line($"{y(k)} = {cast}(({x(k)} - center) * scale + b);");
                    }
                }
            }
        }
    }

    /// <summary>A loop over channels, each computed by <see cref="EmitChannel"/>.</summary>
    public static void EmitStrided(SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan)
    {
        writer.Line();
        if (plan.Channels == 1)
        {
            using (writer.Block("// Channel 0"))
            {
                EmitChannel(writer, spec, plan, "0");
            }

            return;
        }

        using (writer.Block($"for (int c = 0; c < {plan.Channels}; c++)"))
        {
            EmitChannel(writer, spec, plan, "c");
        }
    }

    /// <summary>One channel in scalar loops over its values: x and y point at its first value.</summary>
    public static void EmitChannel(SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, string channel)
    {
        string type = spec.Element.Keyword();
        string first = plan.Inner == 1 ? channel : (channel == "0" ? "0" : $"{channel} * {plan.Inner}");
        if (int.TryParse(channel, out int constant))
        {
            first = Literals.Int(constant * plan.Inner);
        }

        writer.Line($"ref {type} x = ref {LayerNormEmitter.At("inputRef", first)};");
        writer.Line($"ref {type} y = ref {LayerNormEmitter.At("outputRef", first)};");
        string cast = BatchNormEmitter.Cast(spec);
        if (spec.Training)
        {
            writer.Line($"double shift = {LayerNormEmitter.AsDouble(spec.Element, "x")};");
            writer.Line("double sum = 0;");
            EmitValueLoops(writer, plan, offset => writer.Line($"sum += {LayerNormEmitter.AsDouble(spec.Element, LayerNormEmitter.At("x", offset))} - shift;"));
            writer.Line($"double mu = sum / {plan.Count};");
            writer.Line("double sumOfSquares = 0;");
            EmitValueLoops(writer, plan, offset =>
            {
                writer.Line($"double d = {LayerNormEmitter.AsDouble(spec.Element, LayerNormEmitter.At("x", offset))} - shift - mu;");
                writer.Line("sumOfSquares += d * d;");
            });
            BatchNormEmitter.EmitTrainingStatistics(writer, spec, plan, channel);
        }
        else
        {
            BatchNormEmitter.EmitInferenceStatistics(writer, spec, channel);
        }

        EmitValueLoops(writer, plan, offset =>
            writer.Line($"{LayerNormEmitter.At("y", offset)} = {cast}(({BatchNormEmitter.Centered(spec, LayerNormEmitter.AsDouble(spec.Element, LayerNormEmitter.At("x", offset)))}) * scale + b);"));
    }

    /// <summary>Loops over a channel's values relative to its first: runs of Inner values, RunStride apart.</summary>
    private static void EmitValueLoops(SourceWriter writer, BatchNormPlan plan, Action<string> body)
    {
        if (plan.Outer > 1 && plan.Inner > 1)
        {
            using (writer.Block($"for (nuint o = 0; o < {(long)plan.Outer * plan.RunStride}; o += {plan.RunStride})"))
            using (writer.Block($"for (nuint i = o; i < o + {plan.Inner}; i++)"))
            {
                body("i");
            }
        }
        else if (plan.Outer > 1)
        {
            using (writer.Block($"for (nuint o = 0; o < {(long)plan.Outer * plan.RunStride}; o += {plan.RunStride})"))
            {
                body("o");
            }
        }
        else
        {
            using (writer.Block($"for (nuint i = 0; i < {plan.Inner}; i++)"))
            {
                body("i");
            }
        }
    }
}

using FixedNorm.Generator.Model;
using FixedNorm.Generator.Planning;

namespace FixedNorm.Generator.Emitting;

/// <summary>
/// Larger groups: two passes per group (deviations from the first element and their squares; store), each over
/// vectors of the widest accelerated width, and a third only for groups whose first element lies far from the mean. One code path per width; the JIT keeps only the one the CPU runs.
/// </summary>
internal static class VectorLayerNormEmitter
{
    public static void Emit(SourceWriter writer, LayerNormSpec spec, LayerNormPlan plan, TargetFeatures features) =>
        VectorPasses.EmitPerWidth(writer, width => EmitPath(writer, spec, plan, width, features));

    private static void EmitPath(SourceWriter writer, LayerNormSpec spec, LayerNormPlan plan, VectorWidth width, TargetFeatures features)
    {
        ElementType element = spec.Element;
        string type = element.Keyword();
        string v = width.Class;
        string suffix = width.Suffix;
        int n = plan.GroupSize;
        bool isFloat = element == ElementType.Float;
        var passes = new VectorPasses(writer, element, width, features.VectorFusedMultiplyAdd);

        LayerNormEmitter.EmitGroupLoop(writer, spec, plan, group =>
        {
            string x(string offset) => LayerNormEmitter.At("x", offset);
            static string load(string vector, string reference, string offset) => VectorPasses.Load(vector, reference, offset);
            string invStdT = isFloat ? "invStdF" : "invStd";

            // The broadcast of a scalar: a local for the path's own width, Create(...) for a narrower tail vector.
            string broadcast(string vector, string name, string scalar) => vector == v ? name + suffix : $"{vector}.Create({scalar})";

            writer.Line("// Pass 1: deviations from the group's first element, their sum and their squares, in one pass. Shifting by");
            writer.Line("// an element of the group keeps large offsets from cancelling and makes constant groups exact.");
            writer.Line($"{type} center = x;");
            writer.Line($"var center{suffix} = {v}.Create(center);");
            writer.Line("double sumOfSquares, deviations, drift, variance;");
            using (writer.Block("for (int attempt = 0; ; attempt++)"))
            {
                writer.Line("sumOfSquares = 0; deviations = 0;");
                passes.SumOfSquares("sumOfSquares", "deviations", n,
                    (vector, offset) => $"{load(vector, "x", offset)} - {broadcast(vector, "center", "center")}",
                    offset => $"{x(offset)} - center");
                passes.EmitSquaresOverflowFallback(withDeviations: true, value => $"{value} - center", body =>
                {
                    using (writer.Block($"for (nuint i = 0; i < {n}; i++)"))
                    {
                        body(LayerNormEmitter.At("x", "i"));
                    }
                });
                writer.Line($"drift = deviations / {n};");
                writer.Line($"variance = {Names.Math}.Max(0, sumOfSquares / {n} - drift * drift);");
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
            writer.Line($"center = ({type})mu;");
            writer.Line($"center{suffix} = {v}.Create(center);");
            if (isFloat)
            {
                writer.Line("float invStdF = (float)invStd;");
            }

            writer.Line($"var invStd{suffix} = {v}.Create({invStdT});");
            writer.Line();
            writer.Line($"// Pass 3: y = (x - mu) * invStd{(spec.HasWeight ? " * weight" : "")}{(spec.HasBias ? " + bias" : "")}.");
            passes.ForEach(n,
                (vector, offset) =>
                {
                    string value = $"({load(vector, "x", offset)} - {broadcast(vector, "center", "center")}) * {broadcast(vector, "invStd", invStdT)}";
                    if (spec.HasWeight && spec.HasBias)
                    {
                        value = passes.MultiplyAdd(vector, value, load(vector, "weightRef", offset), load(vector, "biasRef", offset));
                    }
                    else
                    {
                        value += spec.HasWeight ? $" * {load(vector, "weightRef", offset)}" : "";
                        value += spec.HasBias ? $" + {load(vector, "biasRef", offset)}" : "";
                    }

                    return VectorPasses.Store(vector, value, "y", offset);
                },
                offset =>
                {
                    string value = $"({x(offset)} - center) * {invStdT}";
                    value += spec.HasWeight ? $" * {LayerNormEmitter.At("weightRef", offset)}" : "";
                    value += spec.HasBias ? $" + {LayerNormEmitter.At("biasRef", offset)}" : "";
                    return $"{LayerNormEmitter.At("y", offset)} = {value};";
                });

            LayerNormEmitter.EmitStatistics(writer, spec, group, "mu", "invStd");
        });
    }
}

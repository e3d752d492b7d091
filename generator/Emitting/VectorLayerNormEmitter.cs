using FixedNorm.Generator.Model;
using FixedNorm.Generator.Planning;

namespace FixedNorm.Generator.Emitting;

/// <summary>
/// Larger groups: three passes per group (sum, sum of squares, store), each over vectors of the widest
/// accelerated width. One code path per width; the JIT keeps only the one the CPU runs.
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

            writer.Line("// Pass 1: a first estimate of the mean, from the plain sum.");
            writer.Line("double sum = 0;");
            passes.Sum("sum", n, (vector, offset) => load(vector, "x", offset), x);
            writer.Line($"{type} center = ({type})(sum / {n});");
            writer.Line($"var center{suffix} = {v}.Create(center);");
            writer.Line();
            writer.Line("// Pass 2: deviations from center. Their mean is what the estimate missed (corrected two-pass:");
            writer.Line("// exact for constant groups, no cancellation for large offsets); their squares give the variance.");
            writer.Line("double sumOfSquares = 0, deviations = 0;");
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
            writer.Line($"double drift = deviations / {n};");
            writer.Line("double mu = center + drift;");
            writer.Line($"double variance = {Names.Math}.Max(0, sumOfSquares / {n} - drift * drift);");
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

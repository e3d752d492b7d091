using FixedNorm.Generator.Model;
using FixedNorm.Generator.Planning;

namespace FixedNorm.Generator.Emitting;

/// <summary>
/// Larger groups: three passes per group (sum, sum of squares, store), each over vectors of the widest
/// accelerated width. One code path per width; the JIT keeps only the one the CPU runs.
/// </summary>
internal static class VectorLayerNormEmitter
{
    public static void Emit(SourceWriter writer, LayerNormSpec spec, LayerNormPlan plan) =>
        VectorPasses.EmitPerWidth(writer, width => EmitPath(writer, spec, plan, width));

    private static void EmitPath(SourceWriter writer, LayerNormSpec spec, LayerNormPlan plan, VectorWidth width)
    {
        ElementType element = spec.Element;
        string type = element.Keyword();
        string v = width.Class;
        string suffix = width.Suffix;
        int n = plan.GroupSize;
        bool isFloat = element == ElementType.Float;
        var passes = new VectorPasses(writer, element, width);

        LayerNormEmitter.EmitGroupLoop(writer, spec, plan, group =>
        {
            string x(string offset) => LayerNormEmitter.At("x", offset);
            static string load(string vector, string reference, string offset) => VectorPasses.Load(vector, reference, offset);
            string meanT = isFloat ? "muF" : "mu";
            string rstdT = isFloat ? "invStdF" : "invStd";

            // The broadcast of a scalar: a local for the path's own width, Create(...) for a narrower tail vector.
            string broadcast(string vector, string name, string scalar) => vector == v ? name + suffix : $"{vector}.Create({scalar})";

            writer.Line($"{type} shift = x;");
            writer.Line($"var shift{suffix} = {v}.Create(shift);");
            writer.Line();
            writer.Line("// Pass 1: mu, the mean of x - shift.");
            writer.Line("double sum = 0;");
            passes.Sum("sum", n,
                (vector, offset) => $"{load(vector, "x", offset)} - {broadcast(vector, "shift", "shift")}",
                offset => $"{x(offset)} - shift");
            writer.Line($"double mu = sum / {n};");
            if (isFloat)
            {
                writer.Line("float muF = (float)mu;");
            }

            writer.Line($"var mu{suffix} = {v}.Create({meanT});");
            writer.Line();
            writer.Line("// Pass 2: the biased variance, the mean of (x - shift - mu)^2; invStd = 1 / sqrt(variance + eps).");
            writer.Line("double sumOfSquares = 0, deviations = 0;");
            passes.SumOfSquares("sumOfSquares", "deviations", n,
                (vector, offset) => $"{load(vector, "x", offset)} - {broadcast(vector, "shift", "shift")} - {broadcast(vector, "mu", meanT)}",
                offset => $"{x(offset)} - shift - {meanT}");
            passes.EmitSquaresOverflowFallback(withDeviations: true, body =>
            {
                using (writer.Block($"for (nuint i = 0; i < {n}; i++)"))
                {
                    body(LayerNormEmitter.At("x", "i"));
                }
            });
            passes.EmitCorrectedStatistics(n, "mu" + suffix);
            writer.Line($"double invStd = 1 / {Names.Math}.Sqrt(variance + {Literals.Double(spec.Epsilon)});");
            if (isFloat)
            {
                writer.Line("float invStdF = (float)invStd;");
            }

            writer.Line($"var invStd{suffix} = {v}.Create({rstdT});");
            writer.Line();
            writer.Line($"// Pass 3: y = (x - shift - mu) * invStd{(spec.HasWeight ? " * weight" : "")}{(spec.HasBias ? " + bias" : "")}.");
            passes.ForEach(n,
                (vector, offset) =>
                {
                    string value = $"({load(vector, "x", offset)} - {broadcast(vector, "shift", "shift")} - {broadcast(vector, "mu", meanT)}) * {broadcast(vector, "invStd", rstdT)}";
                    value += spec.HasWeight ? $" * {load(vector, "weightRef", offset)}" : "";
                    value += spec.HasBias ? $" + {load(vector, "biasRef", offset)}" : "";
                    return VectorPasses.Store(vector, value, "y", offset);
                },
                offset =>
                {
                    string value = $"({x(offset)} - shift - {meanT}) * {rstdT}";
                    value += spec.HasWeight ? $" * {LayerNormEmitter.At("weightRef", offset)}" : "";
                    value += spec.HasBias ? $" + {LayerNormEmitter.At("biasRef", offset)}" : "";
                    return $"{LayerNormEmitter.At("y", offset)} = {value};";
                });

            LayerNormEmitter.EmitStatistics(writer, spec, group, "shift + mu", "invStd");
        });
    }
}

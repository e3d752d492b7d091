using FixedNorm.Generator.Model;
using FixedNorm.Generator.Planning;

namespace FixedNorm.Generator.Emitting;

/// <summary>
/// Small groups, a Vector256's worth of groups at a time: the block is transposed in registers so each lane holds one
/// group, the statistics of all of them are computed at once (one square root and division for the block), and the
/// result is transposed back. Leftover groups, and machines without Vector256, take the scalar code.
/// </summary>
internal static class TransposedLayerNormEmitter
{
    private const string V = "global::System.Runtime.Intrinsics.Vector256";

    public static void Emit(SourceWriter writer, LayerNormSpec spec, LayerNormPlan plan, TargetFeatures features)
    {
        ElementType element = spec.Element;
        string type = element.Keyword();
        int n = plan.GroupSize;
        int lanes = Transpose.Lanes(element);
        int blocks = plan.Groups / lanes;
        int blockElements = lanes * n;
        string number(int value) => element == ElementType.Float ? $"{value}f" : $"{value}.0";
        // 1/n folded at compile time: a multiply, not a division on the lanes' critical path (at most an ulp apart;
        // [8, 3] float 18.7 -> 16.7 ns a call on Zen 4).
        string overN = $"({number(1)} / {number(n)})";

        writer.Line();
        using (writer.Block($"if ({V}.IsHardwareAccelerated)"))
        {
            for (int j = 0; j < n; j++)
            {
                if (spec.HasWeight)
                {
                    writer.Line($"var weight{j} = {V}.Create({LayerNormEmitter.At("weightRef", Literals.Int(j))});");
                }

                if (spec.HasBias)
                {
                    writer.Line($"var bias{j} = {V}.Create({LayerNormEmitter.At("biasRef", Literals.Int(j))});");
                }
            }

            void Block()
            {
                Transpose.EmitGather(writer, element, n, "x", "c");
                writer.Line($"// Per lane (group): statistics around the group's first element c0, as in the scalar code.");
                string deviations = string.Join(" + ", Enumerable.Range(1, n - 1).Select(j => $"(c{j} - c0)"));
                writer.Line(n == 1 ? $"var mus = {V}<{type}>.Zero;" : $"var mus = ({deviations}) * {overN};");
                writer.Line("var e0 = -mus;");
                for (int j = 1; j < n; j++)
                {
                    writer.Line($"var e{j} = c{j} - c0 - mus;");
                }

                writer.Line($"var variances = ({string.Join(" + ", Enumerable.Range(0, n).Select(j => $"e{j} * e{j}"))}) * {overN};");
                if (element == ElementType.Float)
                {
                    using (writer.Block($"if ({V}.LessThanAll(variances, {V}.Create(float.PositiveInfinity)))"))
                    {
                        EmitOutput();
                    }

                    using (writer.Block("else"))
                    {
                        // The other plans' float sums of squares redo themselves in double the same way (VectorPasses.EmitSquaresOverflowFallback).
                        writer.Line("// Float squares overflowed (deviations beyond about 1e19) or the block holds NaN or an infinity:");
                        writer.Line("// its groups one by one in double, as the scalar code takes them.");
                        using (writer.Block($"for (nuint k = 0; k < {lanes}; k++)"))
                        {
                            writer.Line($"ref {type} gx = ref {LayerNormEmitter.At("x", $"k * {n}")};");
                            writer.Line($"ref {type} gy = ref {LayerNormEmitter.At("y", $"k * {n}")};");
                            ScalarLayerNormEmitter.EmitGroup(
                                writer, spec, n, blocks == 1 ? "k" : "row + k", "gx", "gy",
                                j => LayerNormEmitter.AsDouble(element, LayerNormEmitter.At("weightRef", Literals.Int(j))),
                                j => LayerNormEmitter.AsDouble(element, LayerNormEmitter.At("biasRef", Literals.Int(j))));
                        }
                    }
                }
                else
                {
                    EmitOutput();
                }
            }

            void EmitOutput()
            {
                writer.Line($"var invStd = {V}<{type}>.One / {V}.Sqrt(variances + {V}.Create(({type}){Literals.Double(spec.Epsilon)}));");
                for (int j = 0; j < n; j++)
                {
                    string value = $"e{j} * invStd";
                    value = spec.HasWeight && spec.HasBias && features.VectorFusedMultiplyAdd
                        ? $"{VectorPasses.MultiplyAddMethod(V)}({value}, weight{j}, bias{j})"
                        : value + (spec.HasWeight ? $" * weight{j}" : "") + (spec.HasBias ? $" + bias{j}" : "");
                    writer.Line($"var r{j} = {value};");
                }

                Transpose.EmitScatter(writer, element, n, "r", "y");
                if (spec.HasMean)
                {
                    writer.Line(VectorPasses.Store(V, "c0 + mus", "meanRef", blocks == 1 ? "0" : "row"));
                }

                if (spec.HasRstd)
                {
                    writer.Line(VectorPasses.Store(V, "invStd", "rstdRef", blocks == 1 ? "0" : "row"));
                }
            }

            if (blocks == 1)
            {
                using (writer.Block($"// Groups 0 to {lanes - 1}"))
                {
                    writer.Line($"ref {type} x = ref inputRef;");
                    writer.Line($"ref {type} y = ref outputRef;");
                    Block();
                }
            }
            else
            {
                using (writer.Block($"for (nuint block = 0, row = 0; block < {(long)blocks * blockElements}; block += {blockElements}, row += {lanes})"))
                {
                    writer.Line($"ref {type} x = ref {LayerNormEmitter.At("inputRef", "block")};");
                    writer.Line($"ref {type} y = ref {LayerNormEmitter.At("outputRef", "block")};");
                    Block();
                }
            }

            int rest = plan.Groups - (blocks * lanes);
            if (rest > 0)
            {
                writer.Line($"// The {rest} group(s) after the last full block.");
                ScalarLayerNormEmitter.Emit(writer, spec, plan, blocks * lanes, rest);
            }
        }

        using (writer.Block("else"))
        {
            ScalarLayerNormEmitter.Emit(writer, spec, plan);
        }
    }
}

using FixedNorm.Generator.Model;
using FixedNorm.Generator.Planning;

namespace FixedNorm.Generator.Emitting;

/// <summary>
/// A batch of exactly one Vector256's worth of rows with a few contiguous channels, such as the notebook's (8, 3):
/// transposed in registers so each channel is one vector whose lanes are the batch, reduced across lanes,
/// normalized, and transposed back. Machines without Vector256 take the unrolled scalar code.
/// </summary>
internal static class TransposedBatchNormEmitter
{
    private const string V = "global::System.Runtime.Intrinsics.Vector256";

    public static bool Applies(BatchNormSpec spec, BatchNormPlan plan) =>
        plan.Inner == 1 && plan.Outer == Transpose.Lanes(spec.Element) && plan.Channels <= Limits.TransposeMaxColumns;

    public static void Emit(SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, TargetFeatures features)
    {
        ElementType element = spec.Element;
        string type = element.Keyword();
        bool isFloat = element == ElementType.Float;
        int lanes = plan.Outer;
        string sum(string vector) => isFloat ? $"{V}.Sum({V}.WidenLower({vector}) + {V}.WidenUpper({vector}))" : $"{V}.Sum({vector})";

        writer.Line();
        using (writer.Block($"if ({V}.IsHardwareAccelerated)"))
        {
            writer.Line($"// The {lanes} rows as the lanes of one vector per channel.");
            writer.Line($"ref {type} x = ref inputRef;");
            writer.Line($"ref {type} y = ref outputRef;");
            Transpose.EmitGather(writer, element, plan.Channels, "x", "c");
            for (int j = 0; j < plan.Channels; j++)
            {
                string channel = Literals.Int(j);
                writer.Line();
                writer.Line($"// Channel {j}: its {lanes} values are the lanes of c{j}.");
                if (spec.Training)
                {
                    writer.Line($"double mean{j} = {sum($"c{j}")} / {lanes}; // summed in double");
                    writer.Line($"var d{j} = c{j} - {V}.Create(({type})mean{j});");
                    writer.Line($"double variance{j} = {sum($"d{j} * d{j}")} / {lanes};");
                    writer.Line($"double invStd{j} = 1 / {Names.Math}.Sqrt(variance{j} + {Literals.Double(spec.Epsilon)});");
                    string folded = spec.UnbiasedRunningVariance ? $"variance{j} * {Literals.Double((double)lanes / (lanes - 1))}" : $"variance{j}";
                    BatchNormEmitter.EmitStoredStatistics(writer, spec, channel, $"mean{j}", folded, $"invStd{j}");
                }
                else
                {
                    writer.Line($"var d{j} = c{j} - {V}.Create({LayerNormEmitter.At("runningMeanRef", channel)});");
                    writer.Line($"double invStd{j} = 1 / {Names.Math}.Sqrt({LayerNormEmitter.At("runningVarRef", channel)} + {Literals.Double(spec.Epsilon)});");
                }

                string scale = spec.HasWeight ? $"invStd{j} * {LayerNormEmitter.At("weightRef", channel)}" : $"invStd{j}";
                string scaleVector = $"{V}.Create(({type})({scale}))";
                if (spec.HasBias)
                {
                    string bias = $"{V}.Create({LayerNormEmitter.At("biasRef", channel)})";
                    writer.Line(features.VectorFusedMultiplyAdd
                        ? $"var r{j} = {V}.FusedMultiplyAdd(d{j}, {scaleVector}, {bias});"
                        : $"var r{j} = d{j} * {scaleVector} + {bias};");
                }
                else
                {
                    writer.Line($"var r{j} = d{j} * {scaleVector};");
                }
            }

            writer.Line();
            Transpose.EmitScatter(writer, element, plan.Channels, "r", "y");
        }

        using (writer.Block("else"))
        {
            ScalarBatchNormEmitter.EmitUnrolled(writer, spec, plan);
        }
    }
}

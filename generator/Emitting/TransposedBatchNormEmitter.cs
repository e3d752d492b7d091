using FixedNorm.Generator.Model;
using FixedNorm.Generator.Planning;

namespace FixedNorm.Generator.Emitting;

/// <summary>
/// A batch of exactly one Vector256's worth of rows with a few contiguous channels, such as the notebook's (8, 3):
/// transposed in registers so each channel is one vector whose lanes are the batch, reduced across lanes,
/// normalized, and transposed back. Float inference needs no per-channel sums, so no transpose: the channels'
/// constants are shuffled into each row vector's channel order instead. Machines without Vector256 take the unrolled
/// scalar code.
/// </summary>
internal static class TransposedBatchNormEmitter
{
    private const string V = "global::System.Runtime.Intrinsics.Vector256";

    public static bool Applies(BatchNormSpec spec, BatchNormPlan plan) =>
        plan.Inner == 1 && plan.Outer == Transpose.Lanes(spec.Element) && plan.Channels <= Limits.TransposeMaxColumns;

    /// <summary>Float inference: the per-channel constants shuffled into the row vectors' channel order, no transpose.</summary>
    public static bool ByPattern(BatchNormSpec spec) => !spec.Training && spec.Element == ElementType.Float;

    /// <summary>The plan, for the comment at the top of the kernel.</summary>
    public static string Describe(BatchNormSpec spec) => ByPattern(spec)
        ? "the channels' constants as the lanes of one Vector256 each, shuffled into each row vector's channel order; scale in float."
        : "the batch as the lanes of one Vector256 per channel (a transpose in registers), statistics in double.";

    public static void Emit(SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, TargetFeatures features)
    {
        writer.Line();
        using (writer.Block($"if ({V}.IsHardwareAccelerated)"))
        {
            if (ByPattern(spec))
            {
                EmitInferenceByPattern(writer, spec, plan, features);
            }
            else
            {
                EmitTransposed(writer, spec, plan, features);
            }
        }

        using (writer.Block("else"))
        {
            ScalarBatchNormEmitter.EmitUnrolled(writer, spec, plan);
        }
    }

    /// <summary>Transposed in registers: a vector per channel, the batch in its lanes; statistics in double.</summary>
    private static void EmitTransposed(SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, TargetFeatures features)
    {
        ElementType element = spec.Element;
        string type = element.Keyword();
        bool isFloat = element == ElementType.Float;
        int lanes = plan.Outer;
        string sum(string vector) => isFloat ? $"{V}.Sum({V}.WidenLower({vector}) + {V}.WidenUpper({vector}))" : $"{V}.Sum({vector})";
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

    /// <summary>
    /// Float inference: no transpose. Each per-channel constant is one vector (lane c = channel c), and each vector of
    /// the tensor takes the constants in its lanes' channel order (a shuffle with constant indices). The scale is
    /// computed in float, as PyTorch's inference kernel computes it: the whole kernel waits on that square root and
    /// division, which in double take twice as long (measured 14.4 against 7.6 ns a call).
    /// </summary>
    private static void EmitInferenceByPattern(SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, TargetFeatures features)
    {
        int lanes = plan.Outer;
        int channels = plan.Channels;
        string perChannel(string reference, string padding) => $"{V}.Create({string.Join(", ", Enumerable.Range(0, lanes).Select(c => c < channels ? LayerNormEmitter.At(reference, Literals.Int(c)) : padding))})";

        writer.Line("// Each channel's constants as a lane of one vector: its running mean, scale = weight / sqrt(runningVar + eps) (in");
        writer.Line("// float, as PyTorch's inference kernel computes it) and bias.");
        writer.Line($"var centers = {perChannel("runningMeanRef", "0f")};");
        string invStd = $"{V}.Create(1f) / {V}.Sqrt({perChannel("runningVarRef", "1f")} + {V}.Create((float){Literals.Double(spec.Epsilon)}))";
        writer.Line($"var scales = {invStd}{(spec.HasWeight ? $" * {perChannel("weightRef", "0f")}" : "")};");
        if (spec.HasBias)
        {
            writer.Line($"var biases = {perChannel("biasRef", "0f")};");
        }

        writer.Line($"// Lane l of vector j holds element {lanes}j + l, of channel ({lanes}j + l) % {channels}: the constants in that order.");
        for (int j = 0; j < channels; j++)
        {
            string order = string.Join(", ", Enumerable.Range(0, lanes).Select(l => Literals.Int(((lanes * j) + l) % channels)));
            string offset = Literals.Int(lanes * j);
            writer.Line($"var channels{j} = {V}.Create({order});");
            string centered = $"{VectorPasses.Load(V, "inputRef", offset)} - {V}.Shuffle(centers, channels{j})";
            string scaleJ = $"{V}.Shuffle(scales, channels{j})";
            string value = !spec.HasBias ? $"({centered}) * {scaleJ}"
                : features.VectorFusedMultiplyAdd ? $"{V}.FusedMultiplyAdd({centered}, {scaleJ}, {V}.Shuffle(biases, channels{j}))"
                : $"({centered}) * {scaleJ} + {V}.Shuffle(biases, channels{j})";
            writer.Line(VectorPasses.Store(V, value, "outputRef", offset));
        }
    }
}

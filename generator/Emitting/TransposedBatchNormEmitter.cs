using FixedNorm.Generator.Model;
using FixedNorm.Generator.Planning;

namespace FixedNorm.Generator.Emitting;

/// <summary>
/// <see cref="ChannelStrategy.OneVectorOfRows"/>: a batch of exactly one Vector256's worth of rows with a few
/// contiguous channels, such as the notebook's (8, 3):
/// transposed in registers so each channel is one vector whose lanes are the batch, reduced across lanes,
/// normalized, and transposed back. Float inference, and float training with up to 4 channels, take no transpose
/// (<see cref="PatternBatchNormEmitter"/>). Machines without Vector256 take the unrolled scalar code.
/// </summary>
internal static class TransposedBatchNormEmitter
{
    private const string V = "global::System.Runtime.Intrinsics.Vector256";

    /// <summary>
    /// Float inference, and float training with at most 4 channels: no transpose, the per-channel constants shuffled
    /// into the row vectors' channel order (<see cref="PatternBatchNormEmitter"/>).
    /// </summary>
    public static bool ByPattern(BatchNormSpec spec, BatchNormPlan plan) =>
        spec.Element == ElementType.Float && (!spec.Training || plan.Channels <= Limits.PatternTrainingMaxChannels);

    /// <summary>The plan, for the comment at the top of the kernel.</summary>
    public static string Describe(BatchNormSpec spec, BatchNormPlan plan) => !ByPattern(spec, plan)
        ? "the batch as the lanes of one Vector256 per channel (a transpose in registers), statistics in double."
        : spec.Training
        ? "no transpose: the row vectors summed into per-channel lanes in double, the channels' constants shuffled into each row vector's channel order."
        : "the channels' constants as the lanes of one Vector256 each, shuffled into each row vector's channel order; scale in float.";

    public static void Emit(SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, TargetFeatures features)
    {
        writer.Line();
        using (writer.Block($"if ({V}.IsHardwareAccelerated)"))
        {
            if (ByPattern(spec, plan) && spec.Training)
            {
                PatternBatchNormEmitter.EmitTraining(writer, spec, plan, features);
            }
            else if (ByPattern(spec, plan))
            {
                PatternBatchNormEmitter.EmitInference(writer, spec, plan, features);
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

    /// <summary>
    /// Transposed in registers: a vector per channel, the batch in its lanes. Training takes each channel's deviations
    /// from its first value, in double, and sums them and their squares in one go: with this few values no value lies
    /// more than sqrt(lanes - 1) standard deviations from the mean, so squares / n - drift^2 cancels at most a few bits
    /// of double precision, and the kernel's chain of dependent steps, which sets its time, is one reduction shorter.
    /// Weight and bias are read before anything is stored and the running statistics written after the output, so no
    /// load waits behind a store that might alias it.
    /// </summary>
    private static void EmitTransposed(SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, TargetFeatures features)
    {
        ElementType element = spec.Element;
        string type = element.Keyword();
        bool isFloat = element == ElementType.Float;
        int lanes = plan.Outer;
        writer.Line($"// The {lanes} rows as the lanes of one vector per channel.");
        writer.Line($"ref {type} x = ref inputRef;");
        writer.Line($"ref {type} y = ref outputRef;");
        Transpose.EmitGather(writer, element, plan.Channels, "x", "c");
        if (spec.HasWeight || spec.HasBias)
        {
            for (int j = 0; j < plan.Channels; j++)
            {
                string channel = Literals.Int(j);
                var reads = new List<string>();
                if (spec.HasWeight)
                {
                    reads.Add($"weight{j} = {LayerNormEmitter.At("weightRef", channel)}");
                }

                if (spec.HasBias)
                {
                    reads.Add($"bias{j} = {LayerNormEmitter.At("biasRef", channel)}");
                }

                writer.Line($"{type} {string.Join(", ", reads)};");
            }
        }

        for (int j = 0; j < plan.Channels; j++)
        {
            string channel = Literals.Int(j);
            writer.Line();
            writer.Line($"// Channel {j}: its {lanes} values are the lanes of c{j}.");
            if (spec.Training)
            {
                writer.Line("// Deviations from its first value, in double: their sum and the sum of their squares.");
                if (isFloat)
                {
                    writer.Line($"var shift{j} = {V}.WidenLower({V}.Create({V}.ToScalar(c{j})));");
                    writer.Line($"var low{j} = {V}.WidenLower(c{j}) - shift{j};");
                    writer.Line($"var high{j} = {V}.WidenUpper(c{j}) - shift{j};");
                    writer.Line($"double sum{j} = {Names.Lanes}.Sum(low{j} + high{j});");
                    string squares = features.VectorFusedMultiplyAdd ? $"{VectorPasses.MultiplyAddMethod(V)}(low{j}, low{j}, high{j} * high{j})" : $"low{j} * low{j} + high{j} * high{j}";
                    writer.Line($"double squares{j} = {Names.Lanes}.Sum({squares});");
                }
                else
                {
                    writer.Line($"var shift{j} = {V}.Create({V}.ToScalar(c{j}));");
                    writer.Line($"var deviations{j} = c{j} - shift{j};");
                    writer.Line($"double sum{j} = {Names.Lanes}.Sum(deviations{j});");
                    writer.Line($"double squares{j} = {Names.Lanes}.Sum(deviations{j} * deviations{j});");
                }

                writer.Line($"double drift{j} = sum{j} / {lanes};");
                writer.Line($"double mean{j} = {V}.ToScalar(shift{j}) + drift{j};");
                writer.Line($"double variance{j} = squares{j} / {lanes} - drift{j} * drift{j}; // >= drift^2 / {lanes - 1}, as no value lies over sqrt({lanes - 1}) deviations from the mean");
                if (isFloat)
                {
                    // x - mean in float as (x - high) - low, mean = high + low: near the mean the first step is exact, so
                    // a large offset does not cost the output the rounding of the mean to float.
                    writer.Line($"float meanHigh{j} = (float)mean{j};");
                    writer.Line($"var d{j} = c{j} - {V}.Create(meanHigh{j}) - {V}.Create((float)(mean{j} - meanHigh{j}));");
                }
                else
                {
                    writer.Line($"var d{j} = deviations{j} - {V}.Create(drift{j});");
                }
            }
            else
            {
                writer.Line($"var d{j} = c{j} - {V}.Create({LayerNormEmitter.At("runningMeanRef", channel)});");
                writer.Line($"double variance{j} = {LayerNormEmitter.AsDouble(spec.Element, LayerNormEmitter.At("runningVarRef", channel))};");
            }
        }

        writer.Line();
        for (int j = 0; j < plan.Channels; j++)
        {
            writer.Line($"double root{j} = {Names.Math}.Sqrt(variance{j} + {Literals.Double(spec.Epsilon)});");
            if (spec.HasRstd || !spec.HasWeight)
            {
                writer.Line($"double invStd{j} = 1 / root{j};");
            }

            // weight / sqrt(variance + eps): one division, no multiplication after it, on the path every result waits for.
            string scale = spec.HasWeight ? $"weight{j} / root{j}" : $"invStd{j}";
            string scaleVector = $"{V}.Create(({type})({scale}))";
            if (spec.HasBias)
            {
                string bias = $"{V}.Create(bias{j})";
                writer.Line($"var r{j} = {VectorPasses.MultiplyAdd(V, $"d{j}", scaleVector, bias, features.VectorFusedMultiplyAdd)};");
            }
            else
            {
                writer.Line($"var r{j} = d{j} * {scaleVector};");
            }
        }

        writer.Line();
        Transpose.EmitScatter(writer, element, plan.Channels, "r", "y");
        if (spec.Training)
        {
            BatchNormEmitter.EmitStoredStatisticsAfterOutput(writer, spec, plan.Channels, lanes, j => ($"mean{j}", $"variance{j}", $"invStd{j}"));
        }
    }
}

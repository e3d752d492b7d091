using FixedNorm.Generator.Model;
using FixedNorm.Generator.Planning;

namespace FixedNorm.Generator.Emitting;

/// <summary>Writes the body of a BatchNorm kernel: comments, entry checks, then the planned computation.</summary>
internal static class BatchNormEmitter
{
    public static void EmitBody(SourceWriter writer, BatchNormSpec spec, TargetFeatures features)
    {
        BatchNormPlan plan = BatchNormPlan.For(spec);
        string m = Literals.Double(spec.Momentum);
        string keep = Literals.Double(1 - spec.Momentum);
        writer.Line($"// BatchNorm ({(spec.Training ? "training" : "inference")}) of a [{string.Join(", ", spec.Shape)}] {spec.Element.Keyword()} tensor, channel axis {spec.ChannelAxis}:");
        writer.Line($"// seen as [{plan.Outer}, {plan.Channels}, {plan.Inner}], {plan.Channels} channel(s) of {plan.Count} values each, eps = {Literals.Double(spec.Epsilon)}.");
        if (spec.Training)
        {
            writer.Line($"// y = (x - mean) / sqrt(var + eps){Affine(spec)} with each channel's batch mean and biased variance,");
            writer.Line("// taken around shift = the channel's first value (two passes, never E[x^2] - E[x]^2).");
            if (spec.HasRunningStatistics)
            {
                string variance = spec.UnbiasedRunningVariance ? $"var * {plan.Count} / {plan.Count - 1} (unbiased)" : "var (population)";
                writer.Line($"// runningMean = {keep} * runningMean + {m} * mean; runningVar = {keep} * runningVar + {m} * {variance}.");
            }
        }
        else
        {
            writer.Line($"// y = (x - runningMean) / sqrt(runningVar + eps){Affine(spec)}.");
        }

        writer.Line("// Plan: " + plan.Strategy switch
        {
            ChannelStrategy.OneVectorOfRows => TransposedBatchNormEmitter.Describe(spec, plan),
            ChannelStrategy.Unrolled => "straight-line code per channel, statistics in double.",
            ChannelStrategy.Runs when InOrderBatchNormEmitter.Applies(plan) =>
                $"the {plan.Outer} x {plan.Channels} runs of {plan.Inner} values in memory order, per-channel values in stack buffers, {(spec.Training ? "a pass for the statistics and one to normalize" : "one pass")}"
                + (plan.PeriodTableLength(spec.Element, spec.Training) is int period and > 0
                    ? $"; the runs too short for vectors, the store pass takes {period} values at a time, per-element values from stack tables."
                    : "."),
            ChannelStrategy.Runs => $"per channel, vector passes over its {plan.Outer} contiguous run(s) of {plan.Inner} values.",
            ChannelStrategy.Periodic => PeriodicBatchNormEmitter.Describe(plan),
            ChannelStrategy.Blocks => $"vectors across contiguous channels, {plan.Outer} rows streamed in order"
                + (spec.Training && spec.Element == ElementType.Float ? $", float sums widened to double every {Limits.RowChunk} rows." : "."),
            _ => "per channel, scalar loops with constant trip counts, statistics in double.",
        });

        IReadOnlyList<SpanParameter> spans = Spans(spec, plan);
        writer.Line();
        EntryChecks.Emit(writer, spec.Element, spans);

        switch (plan.Strategy)
        {
            case ChannelStrategy.OneVectorOfRows:
                TransposedBatchNormEmitter.Emit(writer, spec, plan, features);
                break;
            case ChannelStrategy.Unrolled:
                ScalarBatchNormEmitter.EmitUnrolled(writer, spec, plan);
                break;
            case ChannelStrategy.Strided:
                ScalarBatchNormEmitter.EmitStrided(writer, spec, plan);
                break;
            case ChannelStrategy.Periodic:
                PeriodicBatchNormEmitter.Emit(writer, spec, plan, features);
                break;
            case ChannelStrategy.Runs:
                VectorBatchNormEmitter.EmitRuns(writer, spec, plan, features);
                break;
            default:
                VectorBatchNormEmitter.EmitBlocks(writer, spec, plan, features);
                break;
        }
    }

    /// <summary>The kernel's span parameters, in the order the entry checks take them.</summary>
    public static IReadOnlyList<SpanParameter> Spans(BatchNormSpec spec, BatchNormPlan plan)
    {
        int total = plan.Outer * plan.Channels * plan.Inner;
        var spans = new List<SpanParameter> { new("input", total, Written: false), new("output", total, Written: true) };
        void Add(bool present, string name, bool written)
        {
            if (present)
            {
                spans.Add(new SpanParameter(name, plan.Channels, written));
            }
        }

        Add(spec.HasWeight, "weight", written: false);
        Add(spec.HasBias, "bias", written: false);
        Add(spec.HasRunningStatistics || !spec.Training, "runningMean", written: spec.Training);
        Add(spec.HasRunningStatistics || !spec.Training, "runningVar", written: spec.Training);
        Add(spec.HasMean, "mean", written: true);
        Add(spec.HasRstd, "rstd", written: true);

        return spans;
    }

    /// <summary>
    /// From <c>shift</c>, <c>mu</c> (the mean of x - shift) and <c>sumOfSquares</c> (of x - shift - mu) in double:
    /// the variance and invStd, the running statistics and saved statistics, then <c>scale</c> and <c>b</c> for the store.
    /// </summary>
    public static void EmitTrainingStatistics(SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, string channel)
    {
        string cast = Cast(spec);
        writer.Line($"double variance = sumOfSquares / {plan.Count};");
        writer.Line($"double invStd = 1 / {Names.Math}.Sqrt(variance + {Literals.Double(spec.Epsilon)});");
        string unbiased = $"sumOfSquares / {plan.Count - 1}";
        EmitStoredStatistics(writer, spec, channel, "(shift + mu)", spec.UnbiasedRunningVariance ? unbiased : "variance", "invStd");
        EmitScaleAndBias(writer, spec, channel, "invStd");
    }

    /// <summary>
    /// For kernels that hold a whole batch of <paramref name="count"/> values a channel in registers: every channel's
    /// statistics, written after the output (so no load of the kernel waits behind these stores), if any are asked for.
    /// <paramref name="channel"/> gives a channel's batch mean, biased variance and invStd expressions. A plan that
    /// updates the running statistics as vectors passes <paramref name="updatedRunning"/>: the lines that compute them,
    /// then each channel's updated running mean and variance, stored as they are.
    /// </summary>
    public static void EmitStoredStatisticsAfterOutput(SourceWriter writer, BatchNormSpec spec, int channels, int count,
        Func<int, (string Mean, string Variance, string InvStd)> channel, UpdatedRunning? updatedRunning = null)
    {
        if (!spec.HasRunningStatistics && !spec.HasMean && !spec.HasRstd)
        {
            return;
        }

        writer.Line();
        writer.Line("// The statistics, stored after the output.");
        if (spec.HasRunningStatistics && updatedRunning is not null)
        {
            foreach (string line in updatedRunning.Lines)
            {
                writer.Line(line);
            }
        }

        for (int c = 0; c < channels; c++)
        {
            (string mean, string variance, string invStd) = channel(c);
            string folded = spec.UnbiasedRunningVariance ? $"{variance} * {Literals.Double((double)count / (count - 1))}" : variance;
            EmitStoredStatistics(writer, spec, Literals.Int(c), mean, folded, invStd, updatedRunning?.Lane(c));
        }
    }

    /// <summary>Running statistics a plan has already updated: the lines that do it, and each channel's results.</summary>
    public sealed record UpdatedRunning(IReadOnlyList<string> Lines, Func<int, (string Mean, string Variance)> Lane);

    /// <summary>
    /// Writes a channel's statistics where the method asked for them: the running mean and variance updated with the
    /// momentum (from the batch's mean and the variance to fold in, unless <paramref name="updated"/> already holds
    /// them), and the batch mean and invStd saved.
    /// </summary>
    public static void EmitStoredStatistics(SourceWriter writer, BatchNormSpec spec, string channel, string batchMean, string foldedVariance, string invStd,
        (string Mean, string Variance)? updated = null)
    {
        string cast = Cast(spec);
        if (spec.HasRunningStatistics)
        {
            string keep = Literals.Double(1 - spec.Momentum);
            string m = Literals.Double(spec.Momentum);
            string runningMean = LayerNormEmitter.At("runningMeanRef", channel);
            string runningVar = LayerNormEmitter.At("runningVarRef", channel);
            string oldMean = LayerNormEmitter.AsDouble(spec.Element, runningMean);
            string oldVar = LayerNormEmitter.AsDouble(spec.Element, runningVar);
            writer.Line($"{runningMean} = {updated?.Mean ?? $"{cast}({keep} * {oldMean} + {m} * {batchMean})"};");
            writer.Line($"{runningVar} = {updated?.Variance ?? $"{cast}({keep} * {oldVar} + {m} * {foldedVariance})"};");
        }

        if (spec.HasMean)
        {
            writer.Line($"{LayerNormEmitter.At("meanRef", channel)} = {cast}{batchMean};");
        }

        if (spec.HasRstd)
        {
            writer.Line($"{LayerNormEmitter.At("rstdRef", channel)} = {cast}{invStd};");
        }
    }

    /// <summary>From the running statistics: <c>center</c>, <c>scale</c> and <c>b</c> for the store.</summary>
    public static void EmitInferenceStatistics(SourceWriter writer, BatchNormSpec spec, string channel)
    {
        writer.Line($"double center = {LayerNormEmitter.AsDouble(spec.Element, LayerNormEmitter.At("runningMeanRef", channel))};");
        writer.Line($"double invStd = 1 / {Names.Math}.Sqrt({LayerNormEmitter.AsDouble(spec.Element, LayerNormEmitter.At("runningVarRef", channel))} + {Literals.Double(spec.Epsilon)});");
        EmitScaleAndBias(writer, spec, channel, "invStd");
    }

    /// <summary>The centered value of an element: training subtracts shift then mu; inference subtracts center.</summary>
    public static string Centered(BatchNormSpec spec, string x) => Centered(x, spec.Training ? ["shift", "mu"] : ["center"]);

    /// <summary>"x - a - b": <paramref name="x"/> less each of <paramref name="subtracted"/>, in order.</summary>
    public static string Centered(string x, IEnumerable<string> subtracted) => x + string.Concat(subtracted.Select(s => $" - {s}"));

    /// <summary>"(float)" for float kernels, nothing for double ones.</summary>
    public static string Cast(BatchNormSpec spec) => spec.Element == ElementType.Float ? "(float)" : "";

    private static void EmitScaleAndBias(SourceWriter writer, BatchNormSpec spec, string channel, string invStd)
    {
        writer.Line(spec.HasWeight
            ? $"double scale = {invStd} * {LayerNormEmitter.AsDouble(spec.Element, LayerNormEmitter.At("weightRef", channel))};"
            : $"double scale = {invStd};");
        writer.Line(spec.HasBias ? $"double b = {LayerNormEmitter.AsDouble(spec.Element, LayerNormEmitter.At("biasRef", channel))};" : "double b = 0;");
    }

    private static string Affine(BatchNormSpec spec) =>
        (spec.HasWeight ? " * weight" : "") + (spec.HasBias ? " + bias" : "");
}

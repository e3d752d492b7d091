using FixedNorm.Generator.Model;
using FixedNorm.Generator.Planning;

namespace FixedNorm.Generator.Emitting;

/// <summary>
/// A float batch of exactly 8 rows (one Vector256 each of lanes) with few channels, such as the notebook's (8, 3), with
/// no transpose: the tensor stays in its C row vectors, in which lane l of vector j holds element 8j + l, of channel
/// (8j + l) % C. Per-channel constants live as the lanes of one vector (lane c = channel c) and are shuffled into each
/// row vector's channel order. Training also sums the row vectors into per-channel lanes, in double.
/// </summary>
internal static class PatternBatchNormEmitter
{
    private const string V = "global::System.Runtime.Intrinsics.Vector256";

    /// <summary>
    /// Float inference: each per-channel constant is one vector, shuffled into the row vectors' order. The scale is
    /// computed in float, as PyTorch's inference kernel computes it: the whole kernel waits on that square root and
    /// division, which in double take twice as long (measured 14.4 against 7.6 ns a call).
    /// </summary>
    public static void EmitInference(SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, TargetFeatures features)
    {
        int lanes = plan.Outer;
        int channels = plan.Channels;
        string perChannel(string reference, string padding) => PerChannel(reference, lanes, channels, padding);

        writer.Line("// Each channel's constants as a lane of one vector: its running mean, scale = weight / sqrt(runningVar + eps) (in");
        writer.Line("// float, as PyTorch's inference kernel computes it) and bias.");
        writer.Line($"var centers = {perChannel("runningMeanRef", "0f")};");
        string invStd = $"{V}.Create(1f) / {V}.Sqrt({perChannel("runningVarRef", "1f")} + {V}.Create((float){Literals.Double(spec.Epsilon)}))";
        writer.Line($"var scales = {invStd}{(spec.HasWeight ? $" * {perChannel("weightRef", "0f")}" : "")};");
        if (spec.HasBias)
        {
            writer.Line($"var biases = {perChannel("biasRef", "0f")};");
        }

        EmitChannelOrders(writer, plan);
        for (int j = 0; j < channels; j++)
        {
            EmitStore(writer, spec, features, j, lanes, $"{VectorPasses.Load(V, "inputRef", Literals.Int(lanes * j))} - {V}.Shuffle(centers, channels{j})");
        }
    }

    /// <summary>
    /// Float training with at most 4 channels. Each row vector is widened into two halves of 4 doubles, less each lane's
    /// channel's first value (the shift); halves whose lanes hold the same channels add up, and shuffles that move lane
    /// m to its channel's lane add those into one vector of per-channel sums (and one of sums of squares). The batch's
    /// statistics are then one vector: one square root and one division for every channel, and no transpose back.
    /// With 8 values a channel, none lies over sqrt(7) deviations from the mean, so squares / 8 - drift^2 cancels
    /// nothing that matters in double. Measured on (8, 3): 24.4 ns a call transposed, 22.4 ns like this.
    /// </summary>
    public static void EmitTraining(SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan, TargetFeatures features)
    {
        int lanes = plan.Outer;
        int channels = plan.Channels;
        string channelOf(int element) => Literals.Int(element % channels);

        writer.Line($"// The {channels} row vectors: lane l of vector j holds element {lanes}j + l, of channel ({lanes}j + l) % {channels}.");
        for (int j = 0; j < channels; j++)
        {
            writer.Line($"var v{j} = {VectorPasses.Load(V, "inputRef", Literals.Int(lanes * j))};");
        }

        writer.Line("// Each channel's first value (row 0), in double: lane c = channel c.");
        writer.Line($"var shifts = {V}.WidenLower(v0);");

        // Half k (4 lanes) holds elements 4k .. 4k + 3: its lanes start at channel 4k % C. Halves that start at the same
        // channel hold the same channels in the same lanes, so they add up as they are.
        var starts = new SortedDictionary<int, List<int>>();
        for (int k = 0; k < 2 * channels; k++)
        {
            int start = 4 * k % channels;
            if (!starts.TryGetValue(start, out List<int>? halves))
            {
                starts[start] = halves = [];
            }

            halves.Add(k);
        }

        writer.Line("// Deviations from the shift, four doubles at a time, summed and squared where the lanes' channels agree.");
        foreach (int start in starts.Keys)
        {
            string order = string.Join(", ", Enumerable.Range(start, 4).Select(e => (e == start ? "(long)" : "") + channelOf(e)));
            writer.Line(order == "(long)0, 1, 2, 3" ? $"var shifts{start} = shifts;" : $"var shifts{start} = {V}.Shuffle(shifts, {V}.Create({order}));");
        }

        foreach (KeyValuePair<int, List<int>> group in starts)
        {
            int start = group.Key;
            List<int> halves = group.Value;
            foreach (int k in halves)
            {
                writer.Line($"var h{k} = {V}.{(k % 2 == 0 ? "WidenLower" : "WidenUpper")}(v{k / 2}) - shifts{start}; // channels {string.Join(", ", Enumerable.Range(4 * k, 4).Select(channelOf))}");
            }

            writer.Line($"var sums{start} = {VectorPasses.PairwiseSum(halves.Select(k => $"h{k}").ToList())};");
            writer.Line($"var squares{start} = {VectorPasses.PairwiseSum(halves.Select(k => $"h{k} * h{k}").ToList())};");
        }

        // Lane c of the totals takes, from each group, its lanes that hold channel c: lane m holds channel (start + m) % C,
        // so the r-th such lane is (c - start) mod C + r * C. A shuffle index of 4 or more gives 0. Lanes from C on are
        // left with whatever they hold: nothing reads them.
        var sumTerms = new List<string>();
        var squareTerms = new List<string>();
        int rounds = (4 + channels - 1) / channels;
        foreach (int start in starts.Keys)
        {
            for (int r = 0; r < rounds; r++)
            {
                int[] index = Enumerable.Range(0, 4).Select(c => c < channels ? (((c - start) % channels) + channels) % channels + (r * channels) : c).ToArray();
                if (r > 0 && index.Take(channels).All(i => i >= 4))
                {
                    continue;
                }

                bool identity = index.Select((i, c) => i == c).All(same => same);
                string indices = $"{V}.Create({string.Join(", ", index.Select((i, c) => (c == 0 ? "(long)" : "") + Literals.Int(c < channels ? i : c)))})";
                sumTerms.Add(identity ? $"sums{start}" : $"{V}.Shuffle(sums{start}, {indices})");
                squareTerms.Add(identity ? $"squares{start}" : $"{V}.Shuffle(squares{start}, {indices})");
            }
        }

        writer.Line("// Per channel (lane c = channel c): the sums of the deviations and of their squares, the mean and the variance.");
        writer.Line($"var sums = {VectorPasses.PairwiseSum(sumTerms)};");
        writer.Line($"var squares = {VectorPasses.PairwiseSum(squareTerms)};");
        writer.Line($"var drifts = sums * {Literals.Double(1.0 / lanes)};");
        writer.Line("var means = shifts + drifts;");
        writer.Line($"var variances = squares * {Literals.Double(1.0 / lanes)} - drifts * drifts; // >= drift^2 / {lanes - 1}: never negative");
        string weights = spec.HasWeight ? PerChannel("weightRef", 4, channels, "0", "(double)") : $"{V}.Create(1.0)";
        writer.Line($"// scale = weight / sqrt(variance + eps), in double, then float: lanes 0 to 3 of a float vector.");
        writer.Line($"var roots = {V}.Sqrt(variances + {V}.Create({Literals.Double(spec.Epsilon)}));");
        writer.Line($"var scales = {V}.Narrow({weights} / roots, {V}<double>.Zero);");
        writer.Line("// x - mean as (x - high) - low, mean = high + low in floats: near the mean the first step is exact.");
        writer.Line($"var meanHighs = {V}.Narrow(means, {V}<double>.Zero);");
        writer.Line($"var meanLows = {V}.Narrow(means - {V}.WidenLower(meanHighs), {V}<double>.Zero);");
        if (spec.HasBias)
        {
            writer.Line($"var biases = {PerChannel("biasRef", lanes, channels, "0f")};");
        }

        EmitChannelOrders(writer, plan);
        for (int j = 0; j < channels; j++)
        {
            EmitStore(writer, spec, features, j, lanes, $"v{j} - {V}.Shuffle(meanHighs, channels{j}) - {V}.Shuffle(meanLows, channels{j})");
        }

        BatchNormEmitter.EmitStoredStatisticsAfterOutput(writer, spec, channels, lanes,
            c => ($"{V}.GetElement(means, {c})", $"{V}.GetElement(variances, {c})", $"(1 / {V}.GetElement(roots, {c}))"),
            UpdatedRunning(spec, channels, lanes));
    }

    /// <summary>
    /// The running mean and variance as one vector each (lane c = channel c): the same double products and sum a
    /// channel at a time would take (so the same floats), in fewer instructions than a scalar update per channel and
    /// statistic ((8, 3) training measured 22.7 against 20.0 ns a call).
    /// </summary>
    private static BatchNormEmitter.UpdatedRunning UpdatedRunning(BatchNormSpec spec, int channels, int lanes)
    {
        string keep = Literals.Double(1 - spec.Momentum);
        string m = Literals.Double(spec.Momentum);
        string fold = spec.UnbiasedRunningVariance ? $" * {Literals.Double((double)lanes / (lanes - 1))}" : "";
        string runningMeans = PerChannel("runningMeanRef", 4, channels, "0", "(double)");
        string runningVars = PerChannel("runningVarRef", 4, channels, "0", "(double)");
        return new BatchNormEmitter.UpdatedRunning(
            [
                "// The running statistics as one vector each (lane c = channel c), in double as above, then float.",
                $"var runningMeans = {V}.Narrow({runningMeans} * {keep} + means * {m}, {V}<double>.Zero);",
                $"var runningVars = {V}.Narrow({runningVars} * {keep} + variances * {m}{fold}, {V}<double>.Zero);",
            ],
            c => ($"{V}.GetElement(runningMeans, {c})", $"{V}.GetElement(runningVars, {c})"));
    }

    /// <summary>"Vector256.Create(cast ref[0], cast ref[1], ..., padding, ...)": a per-channel span as the lanes of one vector.</summary>
    private static string PerChannel(string reference, int lanes, int channels, string padding, string cast = "") =>
        $"{V}.Create({string.Join(", ", Enumerable.Range(0, lanes).Select(c => c < channels ? cast + LayerNormEmitter.At(reference, Literals.Int(c)) : padding))})";

    /// <summary>"var channels{j} = Vector256.Create(...)": each row vector's lanes' channels, the shuffle that puts per-channel constants in its order.</summary>
    private static void EmitChannelOrders(SourceWriter writer, BatchNormPlan plan)
    {
        int lanes = plan.Outer;
        int channels = plan.Channels;
        writer.Line($"// Lane l of vector j holds element {lanes}j + l, of channel ({lanes}j + l) % {channels}: the constants in that order.");
        for (int j = 0; j < channels; j++)
        {
            string order = string.Join(", ", Enumerable.Range(0, lanes).Select(l => Literals.Int(((lanes * j) + l) % channels)));
            writer.Line($"var channels{j} = {V}.Create({order});");
        }
    }

    /// <summary>Stores row vector j normalized: centered * scale + bias, with the constants in its channel order.</summary>
    private static void EmitStore(SourceWriter writer, BatchNormSpec spec, TargetFeatures features, int j, int lanes, string centered)
    {
        string scale = $"{V}.Shuffle(scales, channels{j})";
        string value = !spec.HasBias ? $"({centered}) * {scale}"
            : features.VectorFusedMultiplyAdd ? $"{VectorPasses.MultiplyAddMethod(V)}({centered}, {scale}, {V}.Shuffle(biases, channels{j}))"
            : $"({centered}) * {scale} + {V}.Shuffle(biases, channels{j})";
        writer.Line(VectorPasses.Store(V, value, "outputRef", Literals.Int(lanes * j)));
    }
}

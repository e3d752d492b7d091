using FixedNorm.Generator.Model;
using FixedNorm.Generator.Planning;

namespace FixedNorm.Generator.Emitting;

/// <summary>Small groups: every element in a local, statistics in double, no loop inside a group.</summary>
internal static class ScalarLayerNormEmitter
{
    public static void Emit(SourceWriter writer, LayerNormSpec spec, LayerNormPlan plan, int firstGroup = 0, int? groupCount = null)
    {
        int n = plan.GroupSize;
        if (spec.HasWeight || spec.HasBias)
        {
            writer.Line();
        }

        for (int j = 0; j < n; j++)
        {
            if (spec.HasWeight)
            {
                writer.Line($"double w{j} = {LayerNormEmitter.AsDouble(spec.Element, LayerNormEmitter.At("weightRef", Literals.Int(j)))};");
            }
        }

        for (int j = 0; j < n; j++)
        {
            if (spec.HasBias)
            {
                writer.Line($"double b{j} = {LayerNormEmitter.AsDouble(spec.Element, LayerNormEmitter.At("biasRef", Literals.Int(j)))};");
            }
        }

        if (!plan.UnrollGroups)
        {
            writer.Line();
        }

        LayerNormEmitter.EmitGroupLoop(writer, spec, plan, group => EmitGroup(writer, spec, n, group, "x", "y", j => $"w{j}", j => $"b{j}"), firstGroup, groupCount);
    }

    /// <summary>
    /// One group's statistics and output in double: <paramref name="x"/> and <paramref name="y"/> name refs to its first
    /// element, <paramref name="group"/> its index (for mean and rstd), <paramref name="weight"/> and
    /// <paramref name="bias"/> the double value of the j-th weight and bias.
    /// </summary>
    public static void EmitGroup(SourceWriter writer, LayerNormSpec spec, int n, string group, string x, string y, Func<int, string> weight, Func<int, string> bias)
    {
        string cast = spec.Element == ElementType.Float ? "(float)" : "";
        string[] d = Enumerable.Range(0, n).Select(j => "d" + j).ToArray();
        writer.Line($"double shift = {LayerNormEmitter.AsDouble(spec.Element, x)}; // statistics are taken around the first element: mean = shift + mu");
        for (int j = 0; j < n; j++)
        {
            writer.Line($"double d{j} = {LayerNormEmitter.AsDouble(spec.Element, LayerNormEmitter.At(x, Literals.Int(j)))} - shift;");
        }

        writer.Line($"double mu = ({VectorPasses.PairwiseSum(d.ToList())}) / {n};");
        foreach (string dj in d)
        {
            writer.Line($"{dj} -= mu;");
        }

        writer.Line($"double variance = ({VectorPasses.PairwiseSum(d.Select(dj => $"{dj} * {dj}").ToList())}) / {n};");
        writer.Line($"double invStd = 1 / {Names.Math}.Sqrt(variance + {Literals.Double(spec.Epsilon)});");
        for (int j = 0; j < n; j++)
        {
            string value = $"d{j} * invStd" + (spec.HasWeight ? $" * {weight(j)}" : "") + (spec.HasBias ? $" + {bias(j)}" : "");
            writer.Line($"{LayerNormEmitter.At(y, Literals.Int(j))} = {cast}({value});");
        }

        LayerNormEmitter.EmitStatistics(writer, spec, group, "shift + mu", "invStd");
    }
}

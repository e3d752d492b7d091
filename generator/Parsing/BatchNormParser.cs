using FixedNorm.Generator.Diagnostics;
using FixedNorm.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace FixedNorm.Generator.Parsing;

/// <summary>Turns a method annotated with [BatchNorm] into a <see cref="ParseResult"/>.</summary>
internal static class BatchNormParser
{
    public const string AttributeName = "FixedNorm.BatchNormAttribute";

    private const string UpdatedInPlace = "a Training kernel updates the running statistics in place (or set Mode = BatchNormMode.Inference to normalize with them)";

    private static readonly ParameterRule[] TrainingRules =
    [
        new("input", SpanKind.ReadOnly, Required: true),
        new("output", SpanKind.Writable, Required: true),
        new("weight", SpanKind.ReadOnly, Required: false),
        new("bias", SpanKind.ReadOnly, Required: false),
        new("runningMean", SpanKind.Writable, Required: false, UpdatedInPlace),
        new("runningVar", SpanKind.Writable, Required: false, UpdatedInPlace),
        new("mean", SpanKind.Writable, Required: false),
        new("rstd", SpanKind.Writable, Required: false),
    ];

    private static readonly ParameterRule[] InferenceRules =
    [
        new("input", SpanKind.ReadOnly, Required: true),
        new("output", SpanKind.Writable, Required: true),
        new("weight", SpanKind.ReadOnly, Required: false),
        new("bias", SpanKind.ReadOnly, Required: false),
        new("runningMean", SpanKind.ReadOnly, Required: false),
        new("runningVar", SpanKind.ReadOnly, Required: false),
    ];

    private static readonly string[] BatchStatistics = ["mean", "rstd"];

    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken) =>
        KernelParser.Parse(context, cancellationToken, ReadKernel);

    private static KernelSpec? ReadKernel(
        IMethodSymbol method,
        MethodDeclarationSyntax syntax,
        AttributeReader attribute,
        List<DiagnosticInfo> diagnostics)
    {
        int mode = attribute.Int("Mode", 0);
        int runningVariance = attribute.Int("RunningVariance", 0);
        bool valid = CheckEnum("Mode", mode, "BatchNormMode", "BatchNormMode.Training or BatchNormMode.Inference", attribute, diagnostics);
        valid &= CheckEnum("RunningVariance", runningVariance, "BatchNormRunningVariance",
            "BatchNormRunningVariance.Unbiased or BatchNormRunningVariance.Population", attribute, diagnostics);
        bool training = mode != 1; // an undefined Mode is reported above; bind as the default, Training


        // mean and rstd only exist in training; in inference they get their own error, not "unknown parameter".
        ParameterRule[] rules = training ? TrainingRules : InferenceRules;
        BoundParameters parameters = ParameterBinder.Bind(
            method, syntax, training ? "BatchNorm" : "BatchNorm inference", rules, diagnostics, training ? null : BatchStatistics);
        if (!training)
        {
            foreach (IParameterSymbol statistic in method.Parameters.Where(p => BatchStatistics.Contains(p.Name)))
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.StatisticsInInference,
                    LocationInfo.From(syntax.ParameterList.Parameters.FirstOrDefault(p => p.Identifier.ValueText == statistic.Name)),
                    statistic.Name));
            }
        }
        if (!training)
        {
            string[] missing = new[] { "runningMean", "runningVar" }.Where(name => !parameters.Declares(method, name)).ToArray();
            if (missing.Length > 0)
            {
                string type = ParameterBinder.SpanName(SpanKind.ReadOnly, parameters.Element);
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.InferenceWithoutRunningStatistics, LocationInfo.From(syntax.ParameterList), method.Name,
                    string.Join(" or ", missing.Select(name => $"'{name}'")),
                    string.Join(", ", missing.Select(name => $"'{type} {name}'"))));
            }
        }
        else
        {
            CheckPaired(method, syntax, parameters, "runningMean", "runningVar", diagnostics);
            CheckPaired(method, syntax, parameters, "runningVar", "runningMean", diagnostics);
        }

        int[] shape = attribute.Shape();
        valid &= ShapeRules.CheckShape(shape, method.Name, attribute, diagnostics);
        if (valid && shape.Length < 2)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RankTooSmall, attribute.Location, ShapeRules.Format(shape), shape.Length));
            valid = false;
        }

        int? channelAxis = valid
            ? ShapeRules.CheckAxis("ChannelAxis", attribute.Int("ChannelAxis", 1), shape, attribute.NamedLocation("ChannelAxis"), diagnostics)
            : null;
        valid &= ShapeRules.CheckEpsilon(attribute.Double("Epsilon", 1e-5), attribute.NamedLocation("Epsilon"), diagnostics);
        ShapeRules.WarnTinyEpsilon(attribute.Double("Epsilon", 1e-5), parameters.Element, attribute.NamedLocation("Epsilon"), diagnostics);
        double momentum = attribute.Double("Momentum", 0.1);
        if (double.IsNaN(momentum) || momentum < 0 || momentum > 1)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.MomentumInvalid, attribute.NamedLocation("Momentum"),
                momentum.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
            valid = false;
        }

        if (valid && channelAxis is not null && training && shape.Length > 0 && shape.Aggregate(1L, (p, d) => p * d) / shape[channelAxis.Value] == 1)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OneValuePerChannel, attribute.Location, ShapeRules.Format(shape)));
            valid = false;
        }

        if (!valid || channelAxis is null || parameters.Element is null || diagnostics.Any(d => d.IsError))
        {
            return null;
        }

        return new BatchNormSpec(
            parameters.Element.Value,
            shape.ToEquatableArray(),
            attribute.Double("Epsilon", 1e-5),
            channelAxis.Value,
            momentum,
            training,
            UnbiasedRunningVariance: runningVariance == 0,
            HasWeight: parameters.Has("weight"),
            HasBias: parameters.Has("bias"),
            HasRunningStatistics: parameters.Has("runningMean") && parameters.Has("runningVar"),
            HasMean: parameters.Has("mean"),
            HasRstd: parameters.Has("rstd"));
    }

    private static bool CheckEnum(string name, int value, string enumName, string valid, AttributeReader attribute, List<DiagnosticInfo> diagnostics)
    {
        if (value is 0 or 1)
        {
            return true;
        }

        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.EnumValueInvalid, attribute.NamedLocation(name), name, value, enumName, valid));
        return false;
    }

    private static void CheckPaired(
        IMethodSymbol method, MethodDeclarationSyntax syntax, BoundParameters parameters, string present, string missing, List<DiagnosticInfo> diagnostics)
    {
        if (parameters.Has(present) && !parameters.Declares(method, missing))
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.RunningStatisticsUnpaired,
                LocationInfo.From(syntax.ParameterList.Parameters.FirstOrDefault(p => p.Identifier.ValueText == present)),
                method.Name, present, missing, ParameterBinder.SpanName(SpanKind.Writable, parameters.Element)));
        }
    }
}

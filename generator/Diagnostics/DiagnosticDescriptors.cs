using Microsoft.CodeAnalysis;

namespace FixedNorm.Generator.Diagnostics;

/// <summary>
/// Every diagnostic FixedNorm reports. Ids are never reused; each is listed in
/// AnalyzerReleases.*.md and documented in docs/diagnostics.md.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "FixedNorm";
    private const string HelpBase = "https://github.com/fixednorm/FixedNorm/blob/main/docs/diagnostics.md#";

    public static readonly DiagnosticDescriptor ShapeEmpty = Error(
        "FN0001",
        "The shape is empty",
        "The shape of '{0}' is empty; give every dimension, outermost first, such as [{1}(8, 3)]");

    public static readonly DiagnosticDescriptor DimensionNotPositive = Error(
        "FN0002",
        "A dimension is not positive",
        "Dimension {0} of the shape [{1}] is {2}; every dimension must be at least 1");

    public static readonly DiagnosticDescriptor AxisOutOfRange = Error(
        "FN0003",
        "Axis is out of range",
        "{0} {1} is out of range for the rank-{2} shape [{3}]; use {4}..{5}");

    public static readonly DiagnosticDescriptor EpsilonInvalid = Error(
        "FN0004",
        "Epsilon is not a finite positive number",
        "Epsilon {0} is not a finite positive number; use a small positive value such as 1e-5");

    public static readonly DiagnosticDescriptor MethodNotPartial = Error(
        "FN0005",
        "The method is not partial",
        "Method '{0}' must be declared 'partial' with no body, such as 'static partial void {0}(ReadOnlySpan<float> input, Span<float> output);', so that FixedNorm can generate its body");

    public static readonly DiagnosticDescriptor MethodHasBody = Error(
        "FN0006",
        "The method already has a body",
        "Method '{0}' already has a body; FixedNorm generates it, so declare only 'partial void {0}(...);' and remove the body");

    public static readonly DiagnosticDescriptor ReturnTypeNotVoid = Error(
        "FN0007",
        "The method does not return void",
        "Method '{0}' returns '{1}'; a kernel writes into its output span, so it must return void");

    public static readonly DiagnosticDescriptor UnknownParameter = Error(
        "FN0008",
        "Unknown parameter name",
        "Parameter '{0}' is not a {1} parameter; {2}");

    public static readonly DiagnosticDescriptor MissingParameter = Error(
        "FN0009",
        "A required parameter is missing",
        "Method '{0}' has no {1} parameter; a {2} kernel needs {3}");

    public static readonly DiagnosticDescriptor WrongParameterType = Error(
        "FN0010",
        "A parameter has the wrong type",
        "Parameter '{0}' has type '{1}'; use {2}");

    public static readonly DiagnosticDescriptor MixedElementTypes = Error(
        "FN0011",
        "Spans of different element types",
        "{0} element type '{1}' but '{2}' has '{3}'; every span of a kernel has the same element type");

    public static readonly DiagnosticDescriptor GenericMethod = Error(
        "FN0012",
        "The method is generic",
        "Method '{0}' is generic; a kernel is specialized to one element type, so remove the type parameters and use float or double spans");

    public static readonly DiagnosticDescriptor ParameterRefKind = Error(
        "FN0013",
        "A span parameter is passed by reference",
        "Parameter '{0}' is declared '{1}'; spans are passed by value, so remove '{1}'");

    public static readonly DiagnosticDescriptor ShapeTooLarge = Error(
        "FN0014",
        "The shape has too many elements",
        "The shape [{0}] has {1} elements, more than a span can hold ({2}); use a smaller shape");

    public static readonly DiagnosticDescriptor MomentumInvalid = Error(
        "FN0015",
        "Momentum is outside [0, 1]",
        "Momentum {0} is outside [0, 1]; running = (1 - momentum) * running + momentum * batch, so use a value such as 0.1 (ONNX's momentum 0.9 is 0.1 here)");

    public static readonly DiagnosticDescriptor RunningStatisticsUnpaired = Error(
        "FN0016",
        "Only one running statistic",
        "Method '{0}' has '{1}' but no '{2}'; a Training kernel updates both running statistics or neither, so add '{2}' of type {3} or remove '{1}'");

    public static readonly DiagnosticDescriptor OneValuePerChannel = Error(
        "FN0017",
        "One value per channel in training",
        "Training on the shape [{0}] sees 1 value per channel (every axis but the channel axis has size 1); batch statistics need more than 1 value per channel, so use a larger batch or Mode = BatchNormMode.Inference");

    public static readonly DiagnosticDescriptor EnumValueInvalid = Error(
        "FN0018",
        "Not a defined enum value",
        "{0} = {1} is not a defined {2} value; use {3}");

    public static readonly DiagnosticDescriptor StatisticsInInference = Error(
        "FN0019",
        "Batch statistics requested in Inference",
        "Parameter '{0}' receives batch statistics, which only Training computes; an Inference kernel normalizes with runningMean and runningVar, so remove '{0}' or use Mode = BatchNormMode.Training");

    public static readonly DiagnosticDescriptor RankTooSmall = Error(
        "FN0020",
        "The shape has no batch axis",
        "BatchNorm needs a batch and a channel axis, but the shape [{0}] has rank {1}; use a shape such as ({0}, C) or (N, {0})");

    public static readonly DiagnosticDescriptor InferenceWithoutRunningStatistics = Error(
        "FN0021",
        "Inference without running statistics",
        "Method '{0}' runs in Inference mode but has no {1}; inference normalizes with the running statistics, so add {2}");

    public static readonly DiagnosticDescriptor RankTooLarge = Error(
        "FN0022",
        "The shape has too many dimensions",
        "The shape [{0}] has {1} dimensions, more than FixedNorm's limit of {2}; merge adjacent dimensions that are normalized (or not) together");

    public static readonly DiagnosticDescriptor ConflictingAttributes = Error(
        "FN0023",
        "More than one kernel attribute",
        "Method '{0}' has more than one kernel attribute ([{1}], then [{2}]); a method implements one kernel, so keep one attribute and declare another method for another kernel");

    public static readonly DiagnosticDescriptor FileLocalType = Error(
        "FN0024",
        "The method is in a file-local type",
        "Method '{0}' is in the file-local type '{1}'; generated code lives in another file, which cannot see it, so remove 'file' from '{1}'");

    public static readonly DiagnosticDescriptor EpsilonTooSmall = Warning(
        "FN0025",
        "Epsilon is too small for the element type",
        "Epsilon {0} is below the smallest normal {1} ({2}), too small to matter: next to any variance {1} data can have it changes nothing, so it no longer guards the division; use a value such as 1e-5");

    public static readonly DiagnosticDescriptor InterfaceMethod = Error(
        "FN0026",
        "The method is in an interface",
        "Method '{0}' is declared in the interface '{1}'; kernels are implemented in a partial class, struct or record, so move it there");

    public static readonly DiagnosticDescriptor AsyncMethod = Error(
        "FN0027",
        "The method is async",
        "Method '{0}' is declared 'async'; a kernel runs synchronously over spans, which async methods cannot take, so remove 'async'");

    public static readonly DiagnosticDescriptor DuplicateParameter = Error(
        "FN0028",
        "A parameter name is used twice",
        "Parameter name '{0}' is used twice in '{1}'; parameters bind by name (input, output, weight, bias, ...), so rename one of them");

    public static readonly DiagnosticDescriptor LocalFunction = Error(
        "FN0029",
        "The attribute is on a local function",
        "'{0}' is a local function; FixedNorm implements partial methods of partial types, so declare it as 'static partial void {0}(...);' in a partial class, struct or record");

    public static readonly DiagnosticDescriptor ContainingTypeNotPartial = Error(
        "FN0030",
        "A containing type is not partial",
        "Method '{0}' is in '{1}', which is not partial; FixedNorm adds the body in another file, so declare '{1}' partial");

    public static readonly DiagnosticDescriptor InternalError = Error(
        "FN9999",
        "FixedNorm failed unexpectedly",
        "FixedNorm could not generate '{0}' because of an internal error ({1}); please report it with this declaration");

    private static readonly DiagnosticDescriptor[] All =
    [
        ShapeEmpty, DimensionNotPositive, AxisOutOfRange, EpsilonInvalid, MethodNotPartial, MethodHasBody,
        ReturnTypeNotVoid, UnknownParameter, MissingParameter, WrongParameterType, MixedElementTypes,
        GenericMethod, ParameterRefKind, ShapeTooLarge, MomentumInvalid, RunningStatisticsUnpaired,
        OneValuePerChannel, EnumValueInvalid, StatisticsInInference, RankTooSmall, InferenceWithoutRunningStatistics,
        RankTooLarge, ConflictingAttributes, FileLocalType, EpsilonTooSmall, InterfaceMethod, AsyncMethod, DuplicateParameter,
        LocalFunction, ContainingTypeNotPartial, InternalError,
    ];

    public static DiagnosticDescriptor ById(string id) => All.First(d => d.Id == id);

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
            helpLinkUri: HelpBase + id.ToLowerInvariant());

    private static DiagnosticDescriptor Warning(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Warning, isEnabledByDefault: true,
            helpLinkUri: HelpBase + id.ToLowerInvariant());
}

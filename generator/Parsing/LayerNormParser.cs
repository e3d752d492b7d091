using FixedNorm.Generator.Diagnostics;
using FixedNorm.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace FixedNorm.Generator.Parsing;

/// <summary>Turns a method annotated with [LayerNorm] into a <see cref="ParseResult"/>.</summary>
internal static class LayerNormParser
{
    public const string AttributeName = "FixedNorm.LayerNormAttribute";

    private static readonly ParameterRule[] Rules =
    [
        new("input", SpanKind.ReadOnly, Required: true),
        new("output", SpanKind.Writable, Required: true),
        new("weight", SpanKind.ReadOnly, Required: false),
        new("bias", SpanKind.ReadOnly, Required: false),
        new("mean", SpanKind.Writable, Required: false),
        new("rstd", SpanKind.Writable, Required: false),
    ];

    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken) =>
        KernelParser.Parse(context, cancellationToken, ReadKernel);

    private static KernelSpec? ReadKernel(
        IMethodSymbol method,
        MethodDeclarationSyntax syntax,
        AttributeReader attribute,
        List<DiagnosticInfo> diagnostics)
    {
        BoundParameters parameters = ParameterBinder.Bind(method, syntax, "LayerNorm", Rules, diagnostics);

        int[] shape = attribute.Shape();
        bool valid = ShapeRules.CheckShape(shape, method.Name, attribute, diagnostics);
        int? axis = valid ? ShapeRules.CheckAxis("Axis", attribute.Int("Axis", -1), shape, attribute.NamedLocation("Axis"), diagnostics) : null;
        double epsilon = attribute.Double("Epsilon", 1e-5);
        valid &= ShapeRules.CheckEpsilon(epsilon, attribute.NamedLocation("Epsilon"), diagnostics);
        ShapeRules.WarnTinyEpsilon(epsilon, parameters.Element, attribute.NamedLocation("Epsilon"), diagnostics);

        if (!valid || axis is null || parameters.Element is null || diagnostics.Any(d => d.IsError))
        {
            return null;
        }

        return new LayerNormSpec(
            parameters.Element.Value,
            shape.ToEquatableArray(),
            epsilon,
            axis.Value,
            HasWeight: parameters.Has("weight"),
            HasBias: parameters.Has("bias"),
            HasMean: parameters.Has("mean"),
            HasRstd: parameters.Has("rstd"));
    }
}

using FixedNorm.Generator.Diagnostics;
using FixedNorm.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace FixedNorm.Generator.Parsing;

/// <summary>What binding a method's parameters to a kernel's rules found.</summary>
internal sealed class BoundParameters
{
    public HashSet<string> Names { get; } = new(StringComparer.Ordinal);

    public ElementType? Element { get; set; }

    public bool Has(string name) => Names.Contains(name);
}

/// <summary>Binds parameters by name and checks each one's span type and element type.</summary>
internal static class ParameterBinder
{
    public static BoundParameters Bind(
        IMethodSymbol method,
        MethodDeclarationSyntax syntax,
        string kernelName,
        IReadOnlyList<ParameterRule> rules,
        List<DiagnosticInfo> diagnostics,
        IReadOnlyCollection<string>? reportedElsewhere = null)
    {
        var bound = new BoundParameters();
        IParameterSymbol? elementSource = null;

        // The element type comes from 'input' when it is a valid span, else from the first valid one.
        IEnumerable<IParameterSymbol> inputFirst = method.Parameters.OrderBy(p => p.Name == "input" ? 0 : 1);
        foreach (IParameterSymbol parameter in inputFirst)
        {
            if (reportedElsewhere?.Contains(parameter.Name) == true)
            {
                continue;
            }

            ParameterRule? rule = rules.FirstOrDefault(r => r.Name == parameter.Name);
            LocationInfo? location = ParameterLocation(parameter, syntax);
            if (rule is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.UnknownParameter, location, parameter.Name, kernelName,
                    "use " + string.Join(", ", rules.Select(r => r.Name))));
                continue;
            }

            if (parameter.RefKind != RefKind.None)
            {
                string refKind = parameter.RefKind switch
                {
                    RefKind.Out => "out",
                    RefKind.In => "in",
                    RefKind.RefReadOnlyParameter => "ref readonly",
                    _ => "ref",
                };
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ParameterRefKind, location, parameter.Name, refKind));
                continue;
            }

            ElementType? element = ElementOf(parameter.Type, rule.Kind);
            if (element is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.WrongParameterType, location, parameter.Name,
                    parameter.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat),
                    Expected(rule.Kind, bound.Element ?? GuessElement(parameter.Type)) + (rule.Why is null ? "" : ": " + rule.Why)));
                continue;
            }

            if (bound.Element is null)
            {
                bound.Element = element;
                elementSource = parameter;
            }
            else if (bound.Element != element)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.MixedElementTypes, location, parameter.Name, element.Value.Keyword(),
                    elementSource!.Name, bound.Element.Value.Keyword()));
                continue;
            }

            bound.Names.Add(parameter.Name);
        }

        foreach (ParameterRule rule in rules.Where(r => r.Required))
        {
            if (!method.Parameters.Any(p => p.Name == rule.Name))
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.MissingParameter, LocationInfo.From(syntax.ParameterList), method.Name, rule.Name,
                    kernelName, SpanName(rule.Kind, bound.Element)));
            }
        }

        return bound;
    }

    private static LocationInfo? ParameterLocation(IParameterSymbol parameter, MethodDeclarationSyntax syntax) =>
        LocationInfo.From(syntax.ParameterList.Parameters.FirstOrDefault(p => p.Identifier.ValueText == parameter.Name));

    /// <summary>The element type when <paramref name="type"/> is the expected span of float or double.</summary>
    private static ElementType? ElementOf(ITypeSymbol type, SpanKind kind)
    {
        if (type is not INamedTypeSymbol { TypeArguments.Length: 1 } named ||
            named.ContainingNamespace?.ToDisplayString() != "System" ||
            named.Name != (kind == SpanKind.ReadOnly ? "ReadOnlySpan" : "Span"))
        {
            return null;
        }

        return ElementOf(named.TypeArguments[0]);
    }

    private static ElementType? ElementOf(ITypeSymbol type) => type.SpecialType switch
    {
        SpecialType.System_Single => ElementType.Float,
        SpecialType.System_Double => ElementType.Double,
        _ => null,
    };

    /// <summary>The element type a wrongly typed parameter seems to mean (float[] means float).</summary>
    private static ElementType? GuessElement(ITypeSymbol type) => type switch
    {
        IArrayTypeSymbol array => ElementOf(array.ElementType),
        IPointerTypeSymbol pointer => ElementOf(pointer.PointedAtType),
        INamedTypeSymbol { TypeArguments.Length: 1 } named => ElementOf(named.TypeArguments[0]),
        _ => ElementOf(type),
    };

    private static string Expected(SpanKind kind, ElementType? element) =>
        element is null
            ? $"{SpanName(kind, ElementType.Float)} or {SpanName(kind, ElementType.Double)}"
            : SpanName(kind, element);

    public static string SpanName(SpanKind kind, ElementType? element) =>
        (kind == SpanKind.ReadOnly ? "ReadOnlySpan<" : "Span<") + (element ?? ElementType.Float).Keyword() + ">";
}

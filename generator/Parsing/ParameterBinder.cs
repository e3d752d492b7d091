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

    /// <summary>Valid names suggested for misspelled parameters: their absence is already reported.</summary>
    public HashSet<string> Suggested { get; } = new(StringComparer.Ordinal);

    /// <summary>True when the method declares <paramref name="name"/>, or a misspelling of it that was reported.</summary>
    public bool Declares(IMethodSymbol method, string name) =>
        Suggested.Contains(name) || method.Parameters.Any(p => p.Name == name);

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
        var wrongTypes = new List<(IParameterSymbol Parameter, ParameterRule Rule)>();
        var mixed = new List<IParameterSymbol>();

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
                string? nearest = Nearest(parameter.Name, rules.Select(r => r.Name));
                if (nearest is not null)
                {
                    bound.Suggested.Add(nearest);
                }

                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.UnknownParameter, location, parameter.Name, kernelName,
                    (nearest is null ? "parameters bind by name: " : $"did you mean '{nearest}'? Parameters bind by name: ") + string.Join(", ", rules.Select(r => r.Name))));
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
                wrongTypes.Add((parameter, rule));
                continue;
            }

            if (bound.Element is null)
            {
                bound.Element = element;
                elementSource = parameter;
            }
            else if (bound.Element != element)
            {
                mixed.Add(parameter);
                continue;
            }

            bound.Names.Add(parameter.Name);
        }

        // One diagnostic per kind of mistake, at the first parameter it concerns, naming the others:
        // two running statistics typed ReadOnlySpan in Training are one mistake, not two.
        if (wrongTypes.Count > 0)
        {
            (IParameterSymbol first, ParameterRule firstRule) = wrongTypes.OrderBy(w => w.Parameter.Ordinal).First();
            string others = string.Concat(wrongTypes.Where(w => !SymbolEqualityComparer.Default.Equals(w.Parameter, first))
                .OrderBy(w => w.Parameter.Ordinal)
                .Select(w => $"; likewise '{w.Parameter.Name}' ({Display(w.Parameter.Type)}): use {Expected(w.Rule.Kind, bound.Element ?? GuessElement(w.Parameter.Type))}"));
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.WrongParameterType, ParameterLocation(first, syntax), first.Name, Display(first.Type),
                Expected(firstRule.Kind, bound.Element ?? GuessElement(first.Type)) + (firstRule.Why is null ? "" : ": " + firstRule.Why) + others));
        }

        if (mixed.Count > 0)
        {
            IParameterSymbol first = mixed.OrderBy(p => p.Ordinal).First();
            string subject = mixed.Count == 1
                ? $"Parameter '{first.Name}' has"
                : $"Parameters {string.Join(", ", mixed.OrderBy(p => p.Ordinal).Select(p => $"'{p.Name}'"))} have";
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.MixedElementTypes, ParameterLocation(first, syntax), subject,
                ElementOf(((INamedTypeSymbol)first.Type).TypeArguments[0])!.Value.Keyword(), elementSource!.Name, bound.Element!.Value.Keyword()));
        }

        ParameterRule[] missing = rules.Where(r => r.Required && !bound.Declares(method, r.Name)).ToArray();
        if (missing.Length > 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.MissingParameter, LocationInfo.From(syntax.ParameterList), method.Name,
                string.Join(" or ", missing.Select(r => $"'{r.Name}'")), kernelName,
                string.Join(" and ", missing.Select(r => $"'{r.Name}' of type {SpanName(r.Kind, bound.Element)}"))));
        }

        return bound;
    }

    /// <summary>The valid name closest to <paramref name="name"/> (same letters in another case, or at most 2 edits away).</summary>
    private static string? Nearest(string name, IEnumerable<string> valid)
    {
        (string Name, int Distance) best = valid
            .Select(v => (v, string.Equals(v, name, StringComparison.OrdinalIgnoreCase) ? 0 : Distance(v.ToLowerInvariant(), name.ToLowerInvariant())))
            .OrderBy(candidate => candidate.Item2)
            .First();
        return best.Distance <= Math.Max(2, name.Length / 3) ? best.Name : null;
    }

    /// <summary>Levenshtein distance.</summary>
    private static int Distance(string a, string b)
    {
        int[] previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int[] current = new int[b.Length + 1];
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }

            previous = current;
        }

        return previous[b.Length];
    }

    private static string Display(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);

    private static LocationInfo? ParameterLocation(IParameterSymbol parameter, MethodDeclarationSyntax syntax) =>
        LocationInfo.From(syntax.ParameterList.Parameters.FirstOrDefault(p => p.Identifier.ValueText == parameter.Name));

    /// <summary>The element type when <paramref name="type"/> is the expected span of float or double.</summary>
    private static ElementType? ElementOf(ITypeSymbol type, SpanKind kind)
    {
        // A Span<T> where a ReadOnlySpan<T> is expected is harmless (it converts implicitly), so it is accepted.
        if (type is not INamedTypeSymbol { TypeArguments.Length: 1 } named ||
            named.ContainingNamespace?.ToDisplayString() != "System" ||
            !(named.Name == "Span" || (kind == SpanKind.ReadOnly && named.Name == "ReadOnlySpan")))
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

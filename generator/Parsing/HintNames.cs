using Microsoft.CodeAnalysis;

namespace FixedNorm.Generator.Parsing;

/// <summary>
/// The generated file's name: "Namespace.Outer.Inner.Method.g.cs", unique among the generator's files by construction.
/// Roslyn compares hint names ignoring case and allows identifier characters and ".,-_ ()[]{}" only, so what would
/// otherwise collide is told apart with characters no identifier holds: a generic type's parameters in braces
/// ("Nested{T}"), an overload's position in parentheses ("Norm(2)"), and a name that differs from a sibling's only in
/// case by its rank in brackets ("norm[2]"). A namespace's own names carry no '@' ("Models.event").
/// </summary>
internal static class HintNames
{
    public static string Of(IMethodSymbol method)
    {
        var parts = new List<string>();
        for (INamedTypeSymbol? type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            string name = type.Name + CaseRank(type, Siblings(type));
            parts.Insert(0, type.Arity == 0 ? name : $"{name}{{{string.Join(",", type.TypeParameters.Select(p => p.Name))}}}");
        }

        for (INamespaceSymbol? ns = method.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
        {
            parts.Insert(0, ns.Name + CaseRank(ns, Siblings(ns)));
        }

        ImmutableArray<ISymbol> members = method.ContainingType?.GetMembers() ?? ImmutableArray<ISymbol>.Empty;
        string methodName = method.Name + CaseRank(method, members.OfType<IMethodSymbol>());
        ISymbol[] overloads = [.. members.Where(m => m.Name == method.Name)];
        if (overloads.Length > 1)
        {
            int position = Array.FindIndex(overloads, m => SymbolEqualityComparer.Default.Equals(m, method.PartialDefinitionPart ?? method));
            methodName += $"({position + 1})";
        }

        parts.Add(methodName);
        return string.Join(".", parts) + ".g.cs";
    }

    /// <summary>The namespaces and types beside a type or namespace: the path segments its own could collide with.</summary>
    private static IEnumerable<INamespaceOrTypeSymbol> Siblings(INamespaceOrTypeSymbol symbol) =>
        symbol.ContainingType is { } type ? type.GetTypeMembers()
        : symbol.ContainingNamespace is { } ns ? ns.GetMembers()
        : [];

    /// <summary>
    /// "" unless a sibling's name equals this one ignoring case but not exactly; then "[k]" for all but the first of
    /// those names in ordinal order.
    /// </summary>
    private static string CaseRank(ISymbol symbol, IEnumerable<ISymbol> siblings)
    {
        string[] names = [.. siblings.Select(s => s.Name)
            .Where(name => string.Equals(name, symbol.Name, StringComparison.OrdinalIgnoreCase))
            .Distinct(StringComparer.Ordinal)
            .OrderBy(name => name, StringComparer.Ordinal)];
        int rank = Array.IndexOf(names, symbol.Name) + 1;
        return rank > 1 ? $"[{rank}]" : "";
    }
}

using FixedNorm.Generator.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace FixedNorm.Generator.Parsing;

/// <summary>Checks on the annotated method itself, shared by every kernel kind.</summary>
internal static class MethodRules
{
    /// <summary>
    /// False when no implementation may be generated at all: the method is not partial, or already
    /// has a body. Either way the user gets exactly one error from us.
    /// </summary>
    public static bool CanImplement(IMethodSymbol method, MethodDeclarationSyntax syntax, List<DiagnosticInfo> diagnostics)
    {
        LocationInfo? location = LocationInfo.From(syntax.Identifier.GetLocation());
        if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MethodNotPartial, location, method.Name));
            return false;
        }

        if (syntax.Body is not null || syntax.ExpressionBody is not null || method.PartialImplementationPart is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MethodHasBody, location, method.Name));
            return false;
        }

        return true;
    }

    private static readonly string[] KernelAttributeNames = ["FixedNorm.LayerNormAttribute", "FixedNorm.BatchNormAttribute"];

    /// <summary>The method's FixedNorm attributes, in source order.</summary>
    public static AttributeData[] KernelAttributes(IMethodSymbol method) => method.GetAttributes()
        .Where(a => KernelAttributeNames.Contains(a.AttributeClass?.ToDisplayString()))
        .OrderBy(a => a.ApplicationSyntaxReference?.Span.Start ?? 0)
        .ToArray();

    /// <summary>One kernel attribute per method (FN0023 at the second one).</summary>
    public static bool CheckSingleKernel(IMethodSymbol method, AttributeData[] attributes, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        if (attributes.Length < 2)
        {
            return true;
        }

        diagnostics.Add(DiagnosticInfo.Create(
            DiagnosticDescriptors.ConflictingAttributes,
            LocationInfo.From(attributes[1].ApplicationSyntaxReference?.GetSyntax(cancellationToken)),
            method.Name, Short(attributes[0]), Short(attributes[1])));
        return false;
    }

    /// <summary>
    /// False when an implementing declaration could not compile whatever we wrote: the signature has syntax errors or
    /// unknown types (half-typed code), or it breaks a rule of partial methods the compiler already reports (a non-void
    /// return, out parameter or virtual-like modifier needs an accessibility modifier: CS8796-CS8798).
    /// </summary>
    public static bool HasImplementableSignature(IMethodSymbol method, MethodDeclarationSyntax syntax)
    {
        if (syntax.ParameterList.ContainsDiagnostics || syntax.ReturnType.ContainsDiagnostics || syntax.Identifier.IsMissing ||
            syntax.TypeParameterList?.ContainsDiagnostics == true || syntax.ConstraintClauses.Any(c => c.ContainsDiagnostics) ||
            IsBroken(method.ReturnType) || method.Parameters.Any(p => IsBroken(p.Type)))
        {
            return false;
        }

        bool accessible = syntax.Modifiers.Any(m => m.IsKind(SyntaxKind.PublicKeyword) || m.IsKind(SyntaxKind.PrivateKeyword) ||
            m.IsKind(SyntaxKind.ProtectedKeyword) || m.IsKind(SyntaxKind.InternalKeyword));
        bool needsAccessibility = !method.ReturnsVoid || method.Parameters.Any(p => p.RefKind == RefKind.Out) ||
            syntax.Modifiers.Any(m => m.IsKind(SyntaxKind.VirtualKeyword) || m.IsKind(SyntaxKind.OverrideKeyword) ||
                m.IsKind(SyntaxKind.SealedKeyword) || m.IsKind(SyntaxKind.NewKeyword) || m.IsKind(SyntaxKind.ExternKeyword));
        return accessible || !needsAccessibility;
    }

    private static bool IsBroken(ITypeSymbol type) => type switch
    {
        IErrorTypeSymbol => true,
        IArrayTypeSymbol array => IsBroken(array.ElementType),
        IPointerTypeSymbol pointer => IsBroken(pointer.PointedAtType),
        INamedTypeSymbol named => named.TypeArguments.Any(IsBroken),
        _ => false,
    };

    /// <summary>Checks that leave the method implementable (with a throwing body) but invalid as a kernel.</summary>
    public static bool CheckSignature(IMethodSymbol method, MethodDeclarationSyntax syntax, List<DiagnosticInfo> diagnostics)
    {
        bool valid = true;
        if (syntax.Modifiers.FirstOrDefault(m => m.IsKind(SyntaxKind.AsyncKeyword)) is { RawKind: not 0 } async)
        {
            // One error for the mistake: an async method's Task return type follows from 'async' itself.
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.AsyncMethod, LocationInfo.From(async.GetLocation()), method.Name));
            return false;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (ParameterSyntax parameter in syntax.ParameterList.Parameters)
        {
            if (!seen.Add(parameter.Identifier.ValueText))
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.DuplicateParameter, LocationInfo.From(parameter), parameter.Identifier.ValueText, method.Name));
                valid = false;
            }
        }

        if (method.TypeParameters.Length > 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.GenericMethod, LocationInfo.From(syntax.TypeParameterList), method.Name));
            valid = false;
        }

        if (!method.ReturnsVoid)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.ReturnTypeNotVoid, LocationInfo.From(syntax.ReturnType), method.Name,
                method.ReturnType.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)));
            valid = false;
        }

        return valid;
    }

    private static string Short(AttributeData attribute) => attribute.AttributeClass?.Name.Replace("Attribute", "") ?? "?";
}

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

    /// <summary>Checks that leave the method implementable (with a throwing body) but invalid as a kernel.</summary>
    public static bool CheckSignature(IMethodSymbol method, MethodDeclarationSyntax syntax, List<DiagnosticInfo> diagnostics)
    {
        bool valid = true;
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
}

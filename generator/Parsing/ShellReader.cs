using System.Text;
using FixedNorm.Generator.Diagnostics;
using FixedNorm.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace FixedNorm.Generator.Parsing;

/// <summary>Reads where a generated body goes and how its declaration must read.</summary>
internal static class ShellReader
{
    private const string GeneratedCodeAttribute = "System.CodeDom.Compiler.GeneratedCodeAttribute";

    private static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <summary>
    /// The shell for a partial method's implementation, or null when no implementation may be added
    /// (a containing type that is not partial: the compiler already reports CS0751 for that).
    /// </summary>
    public static MethodShell? TryRead(IMethodSymbol method, MethodDeclarationSyntax syntax, List<DiagnosticInfo> diagnostics)
    {
        var containingTypes = new List<string>();
        for (SyntaxNode? node = syntax.Parent; node is not null; node = node.Parent)
        {
            if (node is TypeDeclarationSyntax type)
            {
                LocationInfo? location = LocationInfo.From(syntax.Identifier.GetLocation());
                if (type.Identifier.ValueText.Length == 0)
                {
                    // A C# 14 extension block, which cannot be partial: the compiler reports that (CS0751) in words that fit.
                    return null;
                }

                // Only the method's own type: a partial class nested in a partial interface takes a kernel like any other.
                if (type is InterfaceDeclarationSyntax && type == syntax.Parent)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InterfaceMethod, location, method.Name, type.Identifier.ValueText));
                    return null;
                }

                if (type.Modifiers.Any(SyntaxKind.FileKeyword))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.FileLocalType, location, method.Name, type.Identifier.ValueText));
                    return null;
                }

                if (!type.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ContainingTypeNotPartial, location, method.Name, type.Identifier.ValueText));
                    return null;
                }

                containingTypes.Insert(0, TypeDeclarationLine(type));
            }
            else if (node is not BaseNamespaceDeclarationSyntax and not CompilationUnitSyntax)
            {
                return null;
            }
        }

        string? ns = method.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : null;
        bool Declares(string attribute) => method.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == attribute);
        return new MethodShell(
            HintNames.Of(method), ns, containingTypes.ToEquatableArray(), Signature(method, syntax),
            Declares(TargetFeatures.SkipLocalsInitAttribute), Declares(GeneratedCodeAttribute));
    }

    private static string TypeDeclarationLine(TypeDeclarationSyntax type)
    {
        var line = new StringBuilder();
        foreach (SyntaxToken modifier in type.Modifiers)
        {
            if (!modifier.IsKind(SyntaxKind.PartialKeyword))
            {
                line.Append(modifier.Text).Append(' ');
            }
        }

        line.Append("partial ").Append(type.Keyword.Text);
        if (type is RecordDeclarationSyntax { ClassOrStructKeyword.RawKind: not 0 } record)
        {
            line.Append(' ').Append(record.ClassOrStructKeyword.Text);
        }

        line.Append(' ').Append(type.Identifier.Text);
        if (type.TypeParameterList is { } typeParameters)
        {
            line.Append('<').Append(string.Join(", ", typeParameters.Parameters.Select(p => p.Identifier.Text))).Append('>');
        }

        return line.ToString();
    }

    /// <summary>The implementing declaration: same modifiers, types, names, ref kinds and constraints.</summary>
    private static string Signature(IMethodSymbol method, MethodDeclarationSyntax syntax)
    {
        var text = new StringBuilder();
        foreach (SyntaxToken modifier in syntax.Modifiers)
        {
            if (!modifier.IsKind(SyntaxKind.PartialKeyword) && !modifier.IsKind(SyntaxKind.AsyncKeyword))
            {
                text.Append(modifier.Text).Append(' ');
            }
        }

        text.Append("partial ");
        if (method.ReturnsByRefReadonly)
        {
            text.Append("ref readonly ");
        }
        else if (method.ReturnsByRef)
        {
            text.Append("ref ");
        }

        text.Append(method.ReturnType.ToDisplayString(TypeFormat)).Append(' ').Append(Escape(method.Name));
        if (method.TypeParameters.Length > 0)
        {
            text.Append('<').Append(string.Join(", ", method.TypeParameters.Select(t => Escape(t.Name)))).Append('>');
        }

        text.Append('(');
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < method.Parameters.Length; i++)
        {
            IParameterSymbol parameter = method.Parameters[i];
            if (i > 0)
            {
                text.Append(", ");
            }

            if (i == 0 && method.IsExtensionMethod)
            {
                text.Append("this ");
            }

            // A params span is scoped without the keyword, which may not come before params (CS9350).
            if ((parameter.ScopedKind == ScopedKind.ScopedRef || parameter.ScopedKind == ScopedKind.ScopedValue) && !parameter.IsParams)
            {
                text.Append("scoped ");
            }

            if (parameter.IsParams)
            {
                text.Append("params ");
            }

            text.Append(parameter.RefKind switch
            {
                RefKind.Ref => "ref ",
                RefKind.Out => "out ",
                RefKind.In => "in ",
                RefKind.RefReadOnlyParameter => "ref readonly ",
                _ => "",
            });
            // A duplicated name is the user's error (CS0100, FN0028); renaming it keeps generated code free of a second one.
            string name = names.Add(parameter.Name) ? parameter.Name : $"{parameter.Name}_{i}";
            text.Append(parameter.Type.ToDisplayString(TypeFormat)).Append(' ').Append(Escape(name));
        }

        text.Append(')');
        foreach (ITypeParameterSymbol typeParameter in method.TypeParameters)
        {
            List<string> constraints = Constraints(typeParameter);
            if (constraints.Count > 0)
            {
                text.Append(" where ").Append(Escape(typeParameter.Name)).Append(" : ").Append(string.Join(", ", constraints));
            }
        }

        return text.ToString();
    }

    private static List<string> Constraints(ITypeParameterSymbol typeParameter)
    {
        var constraints = new List<string>();
        if (typeParameter.HasUnmanagedTypeConstraint)
        {
            constraints.Add("unmanaged");
        }
        else if (typeParameter.HasValueTypeConstraint)
        {
            constraints.Add("struct");
        }
        else if (typeParameter.HasReferenceTypeConstraint)
        {
            constraints.Add(typeParameter.ReferenceTypeConstraintNullableAnnotation == NullableAnnotation.Annotated ? "class?" : "class");
        }
        else if (typeParameter.HasNotNullConstraint)
        {
            constraints.Add("notnull");
        }

        constraints.AddRange(typeParameter.ConstraintTypes.Select(t => t.ToDisplayString(TypeFormat)));
        if (typeParameter.HasConstructorConstraint)
        {
            constraints.Add("new()");
        }

        if (typeParameter.AllowsRefLikeType)
        {
            constraints.Add("allows ref struct");
        }

        return constraints;
    }

    private static string Escape(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;
}

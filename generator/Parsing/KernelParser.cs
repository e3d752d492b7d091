using FixedNorm.Generator.Diagnostics;
using FixedNorm.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace FixedNorm.Generator.Parsing;

/// <summary>Reads the kernel-specific part of a declaration; returns null after reporting why.</summary>
internal delegate KernelSpec? KernelReader(
    IMethodSymbol method,
    MethodDeclarationSyntax syntax,
    AttributeReader attribute,
    List<DiagnosticInfo> diagnostics);

/// <summary>The steps every kernel kind shares: method checks, the shell, then the kernel's own reader.</summary>
internal static class KernelParser
{
    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken, KernelReader readKernel)
    {
        var diagnostics = new List<DiagnosticInfo>();
        if (context.TargetNode is LocalFunctionStatementSyntax localFunction)
        {
            // Found so that it is not silently ignored: a local function cannot be partial.
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.LocalFunction, LocationInfo.From(localFunction.Identifier.GetLocation()), localFunction.Identifier.ValueText));
            return new ParseResult(null, null, diagnostics.ToEquatableArray());
        }

        if (context.TargetSymbol is not IMethodSymbol method || context.TargetNode is not MethodDeclarationSyntax syntax)
        {
            return new ParseResult(null, null, EquatableArray<DiagnosticInfo>.Empty);
        }

        MethodShell? shell = null;
        try
        {
            cancellationToken.ThrowIfCancellationRequested();

            // With two FixedNorm attributes, only the pipeline of the first one reports and emits.
            AttributeData[] kernelAttributes = MethodRules.KernelAttributes(method);
            if (kernelAttributes.Length > 1 && kernelAttributes[0].AttributeClass?.ToDisplayString() != context.Attributes[0].AttributeClass?.ToDisplayString())
            {
                return new ParseResult(null, null, EquatableArray<DiagnosticInfo>.Empty);
            }

            if (!MethodRules.CanImplement(method, syntax, diagnostics))
            {
                return new ParseResult(null, null, diagnostics.ToEquatableArray());
            }

            shell = MethodRules.HasImplementableSignature(method, syntax) ? ShellReader.TryRead(method, syntax, diagnostics) : null;
            var attribute = new AttributeReader(context.Attributes[0], cancellationToken);
            KernelSpec? kernel = null;
            bool valid = MethodRules.CheckSignature(method, syntax, diagnostics) & MethodRules.CheckSingleKernel(method, kernelAttributes, diagnostics, cancellationToken);
            if (valid && attribute.IsBound && shell is not null)
            {
                kernel = readKernel(method, syntax, attribute, diagnostics);
            }

            return new ParseResult(shell, kernel, diagnostics.ToEquatableArray());
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.InternalError, LocationInfo.From(syntax.Identifier.GetLocation()), method.Name,
                exception.GetType().Name + ": " + exception.Message));
            return new ParseResult(shell, null, diagnostics.ToEquatableArray());
        }
    }
}

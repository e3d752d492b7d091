using FixedNorm.Generator.Diagnostics;
using FixedNorm.Generator.Emitting;
using FixedNorm.Generator.Model;
using FixedNorm.Generator.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace FixedNorm.Generator;

/// <summary>
/// The pipeline: find methods with a FixedNorm attribute, parse each into a value model
/// (<see cref="ParseResult"/>), then emit its body and report its diagnostics.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class KernelGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ParseResult> layerNorms = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                LayerNormParser.AttributeName,
                static (node, _) => node is MethodDeclarationSyntax or LocalFunctionStatementSyntax,
                static (target, cancellationToken) => LayerNormParser.Parse(target, cancellationToken))
            .WithTrackingName(TrackingNames.LayerNormParsed);

        IncrementalValuesProvider<ParseResult> batchNorms = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                BatchNormParser.AttributeName,
                static (node, _) => node is MethodDeclarationSyntax or LocalFunctionStatementSyntax,
                static (target, cancellationToken) => BatchNormParser.Parse(target, cancellationToken))
            .WithTrackingName(TrackingNames.BatchNormParsed);

        IncrementalValueProvider<TargetFeatures> features = context.CompilationProvider
            .Select(static (compilation, _) => TargetFeatures.From(compilation))
            .WithTrackingName(TrackingNames.TargetFeatures);

        context.RegisterSourceOutput(layerNorms.Combine(features), static (output, input) => Emit(output, input.Left, input.Right));
        context.RegisterSourceOutput(batchNorms.Combine(features), static (output, input) => Emit(output, input.Left, input.Right));
    }

    private static void Emit(SourceProductionContext output, ParseResult result, TargetFeatures features)
    {
        foreach (DiagnosticInfo diagnostic in result.Diagnostics)
        {
            output.ReportDiagnostic(diagnostic.ToDiagnostic());
        }

        if (result.Shell is null)
        {
            return;
        }

        string source;
        try
        {
            source = KernelFileEmitter.Emit(result.Shell, result.Kernel, features);
        }
        catch (Exception exception)
        {
            // Never throw out of the generator (CS8785 would drop every generated file): report, and emit a throwing body.
            output.ReportDiagnostic(DiagnosticInfo.Create(
                DiagnosticDescriptors.InternalError, null, result.Shell.HintName, exception.GetType().Name + ": " + exception.Message).ToDiagnostic());
            source = KernelFileEmitter.Emit(result.Shell, kernel: null, features);
        }

        try
        {
            output.AddSource(result.Shell.HintName, source);
        }
        catch (ArgumentException exception)
        {
            // A name Roslyn refuses (HintNames should make none): report it, and keep the kernel under a name made of its hash.
            output.ReportDiagnostic(DiagnosticInfo.Create(
                DiagnosticDescriptors.InternalError, null, result.Shell.HintName, exception.Message).ToDiagnostic());
            MethodShell shell = result.Shell;
            output.AddSource($"FixedNorm.{StableHash($"{shell.Namespace}|{string.Join("|", shell.ContainingTypes)}|{shell.Signature}"):x8}.g.cs", source);
        }
    }

    /// <summary>FNV-1a over the text's characters: the same on every run and machine, unlike string.GetHashCode.</summary>
    private static uint StableHash(string text)
    {
        uint hash = 2166136261;
        foreach (char c in text)
        {
            hash = (hash ^ c) * 16777619;
        }

        return hash;
    }
}

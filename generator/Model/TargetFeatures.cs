using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace FixedNorm.Generator.Model;

/// <summary>
/// What the target framework offers generated code, reduced from the compilation to plain values so the
/// pipeline can combine it with every kernel and still cache.
/// </summary>
/// <param name="VectorFusedMultiplyAdd">Vector128/256/512.FusedMultiplyAdd exist (.NET 9 and later).</param>
/// <param name="StackZeroed">
/// stackalloc's memory starts at zero: the project does not allow unsafe code, which [SkipLocalsInit] needs wherever it
/// is applied (method, type or module; CS0227). Otherwise a kernel clears the stack buffers it adds into itself.
/// </param>
/// <param name="SkipLocalsInit">
/// Kernels may carry [SkipLocalsInit], so their stack buffers are not zeroed first: the project allows unsafe code and
/// exactly one attribute of that name exists (.NET 5 and later, or a project's own polyfill; a polyfill left in on a
/// framework that has it would make the name ambiguous, CS0436).
/// </param>
/// <param name="RuntimeAlias">
/// The extern alias the project gives the FixedNorm runtime (Aliases="fn" on its reference), or null where it is seen
/// from global::, as usual: generated code then declares the alias and calls fn::FixedNorm.ThrowHelper and the rest.
/// </param>
internal sealed record TargetFeatures(bool VectorFusedMultiplyAdd, bool StackZeroed, bool SkipLocalsInit, string? RuntimeAlias = null)
{
    public const string SkipLocalsInitAttribute = "System.Runtime.CompilerServices.SkipLocalsInitAttribute";

    public static TargetFeatures From(Compilation compilation)
    {
        bool unsafeCode = compilation.Options is CSharpCompilationOptions { AllowUnsafe: true };
        return new(
            compilation.GetTypeByMetadataName("System.Runtime.Intrinsics.Vector128")?.GetMembers("FusedMultiplyAdd").Length > 0,
            StackZeroed: !unsafeCode,
            SkipLocalsInit: unsafeCode && compilation.GetTypesByMetadataName(SkipLocalsInitAttribute).Length == 1,
            AliasOfRuntime(compilation));
    }

    private static string? AliasOfRuntime(Compilation compilation)
    {
        // GetTypeByMetadataName skips references seen only through an alias; GetTypesByMetadataName does not.
        IAssemblySymbol? runtime = compilation.GetTypesByMetadataName("FixedNorm.ThrowHelper").FirstOrDefault()?.ContainingAssembly;
        ImmutableArray<string> aliases = runtime is null ? default : compilation.GetMetadataReference(runtime)?.Properties.Aliases ?? default;
        return aliases.IsDefaultOrEmpty || aliases.Contains("global") ? null : aliases[0];
    }
}

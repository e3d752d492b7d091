using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace FixedNorm.Generator.Model;

/// <summary>
/// What the target framework offers generated code, reduced from the compilation to plain values so the
/// pipeline can combine it with every kernel and still cache.
/// </summary>
/// <param name="VectorFusedMultiplyAdd">Vector128/256/512.FusedMultiplyAdd exist (.NET 9 and later).</param>
/// <param name="SkipLocalsInit">
/// Kernels may carry [SkipLocalsInit], so their stack buffers are not zeroed first: the project allows unsafe code (the
/// compiler asks for it, CS0227) and the attribute exists (.NET 5 and later).
/// </param>
internal sealed record TargetFeatures(bool VectorFusedMultiplyAdd, bool SkipLocalsInit)
{
    public const string SkipLocalsInitAttribute = "System.Runtime.CompilerServices.SkipLocalsInitAttribute";

    public static TargetFeatures From(Compilation compilation) => new(
        compilation.GetTypeByMetadataName("System.Runtime.Intrinsics.Vector128")?.GetMembers("FusedMultiplyAdd").Length > 0,
        compilation.Options is CSharpCompilationOptions { AllowUnsafe: true } && compilation.GetTypeByMetadataName(SkipLocalsInitAttribute) is not null);
}

using Microsoft.CodeAnalysis;

namespace FixedNorm.Generator.Model;

/// <summary>
/// What the target framework offers generated code, reduced from the compilation to plain values so the
/// pipeline can combine it with every kernel and still cache.
/// </summary>
/// <param name="VectorFusedMultiplyAdd">Vector128/256/512.FusedMultiplyAdd exist (.NET 9 and later).</param>
internal sealed record TargetFeatures(bool VectorFusedMultiplyAdd)
{
    public static TargetFeatures From(Compilation compilation) => new(
        compilation.GetTypeByMetadataName("System.Runtime.Intrinsics.Vector128")?.GetMembers("FusedMultiplyAdd").Length > 0);
}

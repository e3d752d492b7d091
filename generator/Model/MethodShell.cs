namespace FixedNorm.Generator.Model;

/// <summary>
/// Where a generated method body goes and how its declaration reads: everything the emitter needs
/// to reopen the user's partial types and repeat the method's signature, as plain text.
/// </summary>
/// <param name="HintName">The generated file's name, unique within the compilation.</param>
/// <param name="Namespace">The containing namespace, or null for the global namespace.</param>
/// <param name="ContainingTypes">Outermost first, each a declaration line such as "public static partial class Kernels".</param>
/// <param name="Signature">The implementing declaration, such as "public static partial void Norm(global::System.ReadOnlySpan&lt;float&gt; input, ...)".</param>
/// <param name="DeclaresSkipLocalsInit">The user's declaration carries [SkipLocalsInit] already (a second one would be CS0579).</param>
/// <param name="DeclaresGeneratedCode">The user's declaration carries [GeneratedCode] already (written by another tool).</param>
internal sealed record MethodShell(
    string HintName,
    string? Namespace,
    EquatableArray<string> ContainingTypes,
    string Signature,
    bool DeclaresSkipLocalsInit,
    bool DeclaresGeneratedCode);

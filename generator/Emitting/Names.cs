namespace FixedNorm.Generator.Emitting;

/// <summary>Fully qualified names used by generated code, so no user type can shadow them.</summary>
internal static class Names
{
    public const string Unsafe = "global::System.Runtime.CompilerServices.Unsafe";
    public const string MemoryMarshal = "global::System.Runtime.InteropServices.MemoryMarshal";
    public const string Math = "global::System.Math";
    public const string MathF = "global::System.MathF";
    public const string Intrinsics = "global::System.Runtime.Intrinsics";

    /// <summary>The runtime's namespace: KernelFileEmitter puts an extern alias in its place where the project gives one.</summary>
    public const string Runtime = "global::FixedNorm";
    public const string ThrowHelper = Runtime + ".ThrowHelper";
    public const string Widen = Runtime + ".Widen";
    public const string MemoryHints = Runtime + ".MemoryHints";

    /// <summary>Horizontal sums (FixedNorm.Lanes.Sum): fewer instructions than VectorN.Sum.</summary>
    public const string Lanes = Runtime + ".Lanes";
    public const string GeneratedCode = "global::System.CodeDom.Compiler.GeneratedCode";
    public const string SkipLocalsInit = "global::System.Runtime.CompilerServices.SkipLocalsInit";
    public const string Tool = "FixedNorm";

    /// <summary>The generator's version, written into [GeneratedCode] (tests scrub it).</summary>
    public static readonly string Version = typeof(Names).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}

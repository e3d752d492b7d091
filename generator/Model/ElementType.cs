namespace FixedNorm.Generator.Model;

/// <summary>The element type of every span a kernel takes.</summary>
internal enum ElementType
{
    Float,
    Double,
}

internal static class ElementTypeExtensions
{
    /// <summary>The C# keyword for the type.</summary>
    public static string Keyword(this ElementType type) => type == ElementType.Float ? "float" : "double";

    /// <summary>Size in bytes of one element.</summary>
    public static int Size(this ElementType type) => type == ElementType.Float ? 4 : 8;
}

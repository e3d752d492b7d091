using FixedNorm.Generator.Model;

namespace FixedNorm.Generator.Planning;

/// <summary>A hardware vector width, and how generated code names its type.</summary>
internal sealed record VectorWidth(int Bits)
{
    public static readonly VectorWidth V512 = new(512);
    public static readonly VectorWidth V256 = new(256);
    public static readonly VectorWidth V128 = new(128);

    /// <summary>Widest first: the order in which generated code tests IsHardwareAccelerated.</summary>
    public static readonly VectorWidth[] All = [V512, V256, V128];

    public int Lanes(ElementType element) => Bits / 8 / element.Size();

    /// <summary>"global::System.Runtime.Intrinsics.Vector512".</summary>
    public string Class => "global::System.Runtime.Intrinsics.Vector" + Bits;

    public string Type(ElementType element) => $"{Class}<{element.Keyword()}>";

    /// <summary>A suffix for locals holding a broadcast value: shift512.</summary>
    public string Suffix => Bits.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

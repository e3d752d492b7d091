using System.Globalization;

namespace FixedNorm.Generator.Emitting;

/// <summary>Numbers written as C# literals that read back to exactly the same value.</summary>
internal static class Literals
{
    public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A double literal that round-trips: 1E-05, 0.001, 1.0.</summary>
    public static string Double(double value)
    {
        string text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.IndexOfAny(['.', 'E', 'e']) >= 0 ? text : text + ".0";
    }
}

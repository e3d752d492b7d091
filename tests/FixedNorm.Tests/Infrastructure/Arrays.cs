namespace FixedNorm.Tests.Infrastructure;

/// <summary>Conversions between the element type a kernel takes and double for comparison.</summary>
public static class Arrays
{
    public static Array Of(string elementType, IEnumerable<double> values) =>
        elementType == "float" ? values.Select(v => (float)v).ToArray() : values.ToArray();

    public static Array Zeros(string elementType, int length) =>
        elementType == "float" ? new float[length] : new double[length];

    public static double[] ToDouble(Array values) => values switch
    {
        float[] f => f.Select(v => (double)v).ToArray(),
        double[] d => (double[])d.Clone(),
        _ => throw new ArgumentException("float[] or double[] expected"),
    };
}

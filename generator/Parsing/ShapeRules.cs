using System.Globalization;
using System.Numerics;
using FixedNorm.Generator.Diagnostics;

namespace FixedNorm.Generator.Parsing;

/// <summary>Checks shared by every attribute: the shape, an axis, epsilon.</summary>
internal static class ShapeRules
{
    public static string Format(IEnumerable<int> shape) => string.Join(", ", shape);

    /// <summary>Checks the shape; returns false (with diagnostics) when it cannot be used.</summary>
    public static bool CheckShape(int[] shape, string methodName, AttributeReader attribute, List<DiagnosticInfo> diagnostics)
    {
        if (shape.Length == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ShapeEmpty, attribute.Location, methodName));
            return false;
        }

        bool valid = true;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] <= 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.DimensionNotPositive, attribute.DimensionLocation(i), i, Format(shape), shape[i]));
                valid = false;
            }
        }

        if (!valid)
        {
            return false;
        }

        BigInteger count = shape.Aggregate(BigInteger.One, (product, dimension) => product * dimension);
        if (count > int.MaxValue)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.ShapeTooLarge, attribute.Location, Format(shape), count.ToString(CultureInfo.InvariantCulture), int.MaxValue));
            return false;
        }

        return true;
    }

    /// <summary>The axis made non-negative, or null (with a diagnostic) when it is out of range.</summary>
    public static int? CheckAxis(string name, int axis, int[] shape, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        int rank = shape.Length;
        if (axis < -rank || axis >= rank)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.AxisOutOfRange, location, name, axis, rank, Format(shape), -rank, rank - 1));
            return null;
        }

        return axis < 0 ? axis + rank : axis;
    }

    public static bool CheckEpsilon(double epsilon, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        if (double.IsNaN(epsilon) || double.IsInfinity(epsilon) || epsilon <= 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.EpsilonInvalid, location, epsilon.ToString("R", CultureInfo.InvariantCulture)));
            return false;
        }

        return true;
    }
}

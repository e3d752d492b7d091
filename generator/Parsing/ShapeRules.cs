using System.Globalization;
using System.Numerics;
using FixedNorm.Generator.Diagnostics;
using FixedNorm.Generator.Model;
using FixedNorm.Generator.Planning;

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
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ShapeEmpty, attribute.Location, methodName, attribute.Name));
            return false;
        }

        if (shape.Length > Limits.MaxRank)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RankTooLarge, attribute.Location, Format(shape), shape.Length, Limits.MaxRank));
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

    /// <summary>Warns when epsilon is below the smallest normal value of the kernel's element type.</summary>
    public static void WarnTinyEpsilon(double epsilon, ElementType? element, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        double smallestNormal = element == ElementType.Double ? 2.2250738585072014E-308 : 1.1754943508222875E-38;
        if (element is not null && epsilon > 0 && epsilon < smallestNormal)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.EpsilonTooSmall, location, epsilon.ToString("R", CultureInfo.InvariantCulture),
                element.Value.Keyword(), smallestNormal.ToString("R", CultureInfo.InvariantCulture)));
        }
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

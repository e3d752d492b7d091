using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FixedNorm;

/// <summary>
/// Horizontal sums generated code uses. Called by generated code only; not meant to be called by hand.
/// </summary>
/// <remarks>
/// <c>Vector512.Sum</c> compiles (.NET 10, x64) to each 128-bit quarter summed on its own and the quarters added one by
/// one: 18 instructions for 8 doubles, most of them on the one path from the vector to the scalar. Halving the vector
/// until two lanes are left takes 6 (a LayerNorm over rows of 24 floats, four such sums a row: 5.2 -> 4.5 us for 512
/// rows). The lanes are added in another order than <c>Vector512.Sum</c>'s, a rounding difference only.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Lanes
{
    /// <summary>The sum of the lanes: the upper half added to the lower, down to two lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sum(Vector512<double> vector) => Sum(vector.GetLower() + vector.GetUpper());

    /// <inheritdoc cref="Sum(Vector512{double})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sum(Vector256<double> vector) => Sum(vector.GetLower() + vector.GetUpper());

    /// <inheritdoc cref="Sum(Vector512{double})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sum(Vector128<double> vector) => vector.ToScalar() + vector.GetElement(1);

    /// <inheritdoc cref="Sum(Vector512{double})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector512<float> vector) => Sum(vector.GetLower() + vector.GetUpper());

    /// <inheritdoc cref="Sum(Vector512{double})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector256<float> vector) => Sum(vector.GetLower() + vector.GetUpper());

    /// <summary>The sum of the lanes: lanes 2 and 3 added to lanes 0 and 1, then those two.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector128<float> vector)
    {
        Vector128<float> pairs = vector + Vector128.Shuffle(vector, Vector128.Create(2, 3, 0, 1));
        return pairs.ToScalar() + pairs.GetElement(1);
    }

    /// <summary>
    /// One step of adding the lanes of several vectors at once: lane i of the result is lane i plus lane swap[i] of
    /// <paramref name="left"/> where <paramref name="leftLanes"/> is set, of <paramref name="right"/> elsewhere. With
    /// swap[i] = i ^ s and leftLanes set where i &amp; s is 0, steps s = 1, 2, 4... leave vector g's lane sum in lane g.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> AddPairs(Vector512<float> left, Vector512<float> right, Vector512<int> swap, Vector512<float> leftLanes) =>
        Vector512.ConditionalSelect(leftLanes, left, Vector512.Shuffle(right, swap)) + Vector512.ConditionalSelect(leftLanes, Vector512.Shuffle(left, swap), right);

    /// <inheritdoc cref="AddPairs(Vector512{float}, Vector512{float}, Vector512{int}, Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> AddPairs(Vector512<double> left, Vector512<double> right, Vector512<long> swap, Vector512<double> leftLanes) =>
        Vector512.ConditionalSelect(leftLanes, left, Vector512.Shuffle(right, swap)) + Vector512.ConditionalSelect(leftLanes, Vector512.Shuffle(left, swap), right);

    /// <inheritdoc cref="AddPairs(Vector512{float}, Vector512{float}, Vector512{int}, Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> AddPairs(Vector256<float> left, Vector256<float> right, Vector256<int> swap, Vector256<float> leftLanes) =>
        Vector256.ConditionalSelect(leftLanes, left, Vector256.Shuffle(right, swap)) + Vector256.ConditionalSelect(leftLanes, Vector256.Shuffle(left, swap), right);

    /// <inheritdoc cref="AddPairs(Vector512{float}, Vector512{float}, Vector512{int}, Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> AddPairs(Vector256<double> left, Vector256<double> right, Vector256<long> swap, Vector256<double> leftLanes) =>
        Vector256.ConditionalSelect(leftLanes, left, Vector256.Shuffle(right, swap)) + Vector256.ConditionalSelect(leftLanes, Vector256.Shuffle(left, swap), right);

    /// <inheritdoc cref="AddPairs(Vector512{float}, Vector512{float}, Vector512{int}, Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> AddPairs(Vector128<float> left, Vector128<float> right, Vector128<int> swap, Vector128<float> leftLanes) =>
        Vector128.ConditionalSelect(leftLanes, left, Vector128.Shuffle(right, swap)) + Vector128.ConditionalSelect(leftLanes, Vector128.Shuffle(left, swap), right);

    /// <inheritdoc cref="AddPairs(Vector512{float}, Vector512{float}, Vector512{int}, Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> AddPairs(Vector128<double> left, Vector128<double> right, Vector128<long> swap, Vector128<double> leftLanes) =>
        Vector128.ConditionalSelect(leftLanes, left, Vector128.Shuffle(right, swap)) + Vector128.ConditionalSelect(leftLanes, Vector128.Shuffle(left, swap), right);
}

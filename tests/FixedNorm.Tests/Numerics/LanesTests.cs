using System.Runtime.Intrinsics;

namespace FixedNorm.Tests.Numerics;

/// <summary>
/// Lanes.Sum, the horizontal sum generated code uses instead of VectorN.Sum: every lane counted once, for every width and
/// element type. Lanes holding distinct powers of two sum exactly in any order, so a lane left out, counted twice or
/// taken from the wrong half shows in the bits; random values agree with a double sum to rounding; NaN and infinities
/// carry through.
/// </summary>
public sealed class LanesTests
{
    [Fact]
    public void EachLaneIsCountedOnce()
    {
        for (int lane = 0; lane < 16; lane++)
        {
            // Lane k holds 2^k, except the lane under test, which holds 2^20: the sum names every lane it took.
            float[] floats = [.. Enumerable.Range(0, 16).Select(k => k == lane ? 1 << 20 : (float)(1 << k))];
            double[] doubles = [.. floats.Select(f => (double)f)];
            Assert.Equal(Expected(floats, 16), Lanes.Sum(Vector512.Create(floats)));
            Assert.Equal(Expected(floats, 8), Lanes.Sum(Vector256.Create(floats.AsSpan(0, 8))));
            Assert.Equal(Expected(floats, 4), Lanes.Sum(Vector128.Create(floats.AsSpan(0, 4))));
            Assert.Equal(Expected(doubles, 8), Lanes.Sum(Vector512.Create(doubles.AsSpan(0, 8))));
            Assert.Equal(Expected(doubles, 4), Lanes.Sum(Vector256.Create(doubles.AsSpan(0, 4))));
            Assert.Equal(Expected(doubles, 2), Lanes.Sum(Vector128.Create(doubles.AsSpan(0, 2))));
        }
    }

    [Fact]
    public void RandomValuesAgreeWithADoubleSum()
    {
        var random = new Random(3);
        for (int i = 0; i < 10_000; i++)
        {
            double[] doubles = [.. Enumerable.Range(0, 8).Select(_ => (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-5, 6)))];
            float[] floats = [.. Enumerable.Range(0, 16).Select(_ => (float)((random.NextDouble() - 0.5) * 100))];
            Assert.Equal(doubles.Sum(), Lanes.Sum(Vector512.Create(doubles)), 1e-12 * doubles.Sum(Math.Abs));
            Assert.Equal(floats.Sum(f => (double)f), Lanes.Sum(Vector512.Create(floats)), 1e-5 * floats.Sum(f => Math.Abs(f)));
        }
    }

    [Fact]
    public void NaNAndInfinityCarryThrough()
    {
        Assert.True(double.IsNaN(Lanes.Sum(Vector512.Create(1.0, 2, 3, double.NaN, 5, 6, 7, 8))));
        Assert.True(float.IsNaN(Lanes.Sum(Vector256.Create(1f, 2, 3, 4, 5, 6, float.NaN, 8))));
        Assert.Equal(double.PositiveInfinity, Lanes.Sum(Vector256.Create(1.0, double.PositiveInfinity, 3, 4)));
        Assert.Equal(float.NegativeInfinity, Lanes.Sum(Vector128.Create(1f, 2, float.NegativeInfinity, 4)));
    }

    private static float Expected(float[] lanes, int count) => lanes.Take(count).Sum();

    private static double Expected(double[] lanes, int count) => lanes.Take(count).Sum();
}

namespace FixedNorm.Tests.Numerics;

/// <summary>
/// Widen.ToDouble, which generated scalar code reads float values through, is exactly the plain conversion: the same
/// bits for every value class (zeros, subnormals, extremes, infinities, NaNs) and for random bit patterns.
/// </summary>
public sealed class WidenTests
{
    [Theory]
    [InlineData(0x00000000u)] // 0
    [InlineData(0x80000000u)] // -0
    [InlineData(0x3F800000u)] // 1
    [InlineData(0xC0200000u)] // -2.5
    [InlineData(0x00000001u)] // the least subnormal
    [InlineData(0x807FFFFFu)] // the largest negative subnormal
    [InlineData(0x7F7FFFFFu)] // float.MaxValue
    [InlineData(0xFF7FFFFFu)] // float.MinValue
    [InlineData(0x7F800000u)] // +Inf
    [InlineData(0xFF800000u)] // -Inf
    [InlineData(0xFFC00000u)] // float.NaN
    [InlineData(0x7F800001u)] // a signalling NaN
    [InlineData(0x7FC12345u)] // a NaN with a payload
    public void EqualsTheConversion(uint bits)
    {
        float value = BitConverter.UInt32BitsToSingle(bits);
        Assert.Equal(BitConverter.DoubleToInt64Bits(value), BitConverter.DoubleToInt64Bits(Widen.ToDouble(value)));
    }

    [Fact]
    public void EqualsTheConversionForRandomBitPatterns()
    {
        var random = new Random(5);
        for (int i = 0; i < 1_000_000; i++)
        {
            float value = BitConverter.Int32BitsToSingle(random.Next() ^ (random.Next(2) << 31));
            Assert.Equal(BitConverter.DoubleToInt64Bits(value), BitConverter.DoubleToInt64Bits(Widen.ToDouble(value)));
        }
    }
}

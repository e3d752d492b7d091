using System.Runtime.Intrinsics;

namespace FixedNorm.Tests.Robustness;

/// <summary>
/// CI runs this suite again with the JIT told to leave out AVX-512, then AVX2, so the kernels' Vector256 and Vector128
/// paths run on an AVX-512 machine; it sets FIXEDNORM_EXPECTED_VECTOR to the widest vector those runs should see. A
/// setting the runtime ignores (DOTNET_EnableAVX512F on .NET 10 did) would run the Vector512 paths again unnoticed.
/// </summary>
public sealed class HardwarePathTests
{
    [Fact]
    public void TheWidestAcceleratedVectorIsTheOneExpected()
    {
        string? expected = Environment.GetEnvironmentVariable("FIXEDNORM_EXPECTED_VECTOR");
        int widest = Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : Vector128.IsHardwareAccelerated ? 128 : 0;
        if (expected is not null)
        {
            Assert.Equal(int.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), widest);
        }
        else
        {
            Assert.True(widest >= 128, "no accelerated vectors at all on this machine");
        }
    }
}

using FixedNorm.Tests.Infrastructure;

namespace FixedNorm.Tests.Generator;

/// <summary>
/// On Vector128 the kernels multiply-add with <c>MultiplyAddEstimate</c>, never <c>FusedMultiplyAdd</c>: on an x64
/// processor without FMA (the Vector128 path's hardware, or CI with the JIT's AVX2 group off) .NET computes
/// <c>Vector128.FusedMultiplyAdd</c> in software, 16 to 20 times slower (BatchNorm training [32, 64, 128] about 3 ms
/// instead of 45 us), while <c>MultiplyAddEstimate</c> is the fused instruction wherever FMA exists and a multiply and
/// an add elsewhere. The Vector256 and Vector512 paths run only with AVX2 or AVX-512, so with FMA, and keep
/// <c>FusedMultiplyAdd</c>. One shape per emitter that multiply-adds; the plans without a Vector128 path (Vector256
/// across rows or in periods, scalar otherwise) are checked to have none.
/// </summary>
public sealed class Vector128MultiplyAddTests
{
    [Theory]
    [InlineData("LayerNorm(64, 768)", true)]         // aligned vector passes
    [InlineData("LayerNorm(32, 4096)", true)]        // vector passes per group
    [InlineData("LayerNorm(16, 33)", true)]          // vector passes, tails
    [InlineData("LayerNorm(8, 3)", false)]           // transposed: Vector256 only
    [InlineData("BatchNorm(32, 64, 128)", true)]     // runs in memory order, pipelined blocks
    [InlineData("BatchNorm(64, 16, 5, 5)", true)]    // runs in memory order, masked tails
    [InlineData("BatchNorm(32, 64, 128, Mode = BatchNormMode.Inference)", true)] // aligned runs
    [InlineData("BatchNorm(33, 2, 9, Mode = BatchNormMode.Inference)", true)]    // short runs, period tables
    [InlineData("BatchNorm(16, 32, 32, 64, ChannelAxis = -1)", true)]  // channel blocks
    [InlineData("BatchNorm(16, 16, 16, 260, ChannelAxis = -1)", true)] // channel tables
    [InlineData("BatchNorm(128, 2, 2)", false)]      // periodic: Vector256 only
    [InlineData("BatchNorm(8, 3)", false)]           // one Vector256 of rows
    public void Vector128MultiplyAddsAreEstimates(string attribute, bool vector128Path)
    {
        string source = GeneratorHarness.GenerateOne(attribute, affine: true);

        Assert.DoesNotContain("Vector128.FusedMultiplyAdd(", source, StringComparison.Ordinal);
        Assert.Contains("Vector256.FusedMultiplyAdd(", source, StringComparison.Ordinal);
        Assert.Equal(vector128Path, source.Contains("Vector128.MultiplyAddEstimate(", StringComparison.Ordinal));
    }
}

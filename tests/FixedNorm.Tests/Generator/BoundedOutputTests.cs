using System.Reflection;
using FixedNorm.Tests.Infrastructure;

namespace FixedNorm.Tests.Generator;

/// <summary>
/// Emitted code stays small for any shape: only loop trip counts grow with it. Small enough, too, for the JIT to
/// optimize: past its limits it compiles a method with no optimizations at all (once the case for LayerNorm with 3 to
/// 15 vector groups, each written out: [10, 1000] took 5.5 us instead of 0.78). The bound was 100,000 characters until
/// store passes loaded 8 vectors before storing any (Limits.StoreUnroll), which took the largest two here from 95,272
/// and 90,514 characters to 103,580 and 101,748, every kernel still compiled optimized. It is 130,000 since
/// [LayerNorm(1001, 255)] joined the list (2026-12-05): 126,375 characters, of which the per-group code for groups that
/// end in narrower vectors and single elements is most (the kernel took 125,899 before the batched plan); every kernel
/// here still compiles optimized. Since 2026-12-05 each vector width's path is a local function of the kernel (see
/// VectorPasses.EmitPerWidth), and each of those must compile optimized too.
/// </summary>
public sealed class BoundedOutputTests
{
    internal const int MaxCharacters = 130_000;

    [Theory]
    [InlineData("[LayerNorm(4096, 4096)]", "float")]
    [InlineData("[LayerNorm(2147483647)]", "float")]
    [InlineData("[LayerNorm(2, 1073741823)]", "double")]
    [InlineData("[LayerNorm(1073741823, 2)]", "float")]
    [InlineData("[LayerNorm(65535, 32767, Axis = 0)]", "float")]
    [InlineData("[LayerNorm(7, 7, 7, 7, 7, 7, 7, 7, 7, 7)]", "double")]
    [InlineData("[LayerNorm(128)]", "float")]
    [InlineData("[LayerNorm(10, 11)]", "double")] // fewer than 16 vector groups: once 171,074 characters, every group written out
    [InlineData("[LayerNorm(15, 4099)]", "double")]
    [InlineData("[LayerNorm(15, 1000)]", "float")]
    [InlineData("[LayerNorm(15, 1048576)]", "float")] // out of cache: one group at a time, streamed
    [InlineData("[LayerNorm(3, 4099)]", "double")]
    [InlineData("[LayerNorm(1001, 32)]", "float")] // batched: groups of 16 to 256 floats, and groups after the last batch
    [InlineData("[LayerNorm(1001, 16)]", "double")]
    [InlineData("[LayerNorm(1001, 16)]", "float")]
    [InlineData("[LayerNorm(1001, 64)]", "float")]
    [InlineData("[LayerNorm(1001, 48)]", "float")]
    [InlineData("[LayerNorm(1001, 128)]", "float")]
    [InlineData("[LayerNorm(1001, 256)]", "float")]
    [InlineData("[LayerNorm(1001, 128)]", "double")]
    [InlineData("[LayerNorm(1001, 64)]", "double")]
    [InlineData("[LayerNorm(1001, 100)]", "float")] // batched, groups ending in a part vector
    [InlineData("[LayerNorm(1001, 17)]", "float")]
    [InlineData("[LayerNorm(1001, 255)]", "float")]
    [InlineData("[LayerNorm(8, 3)]", "float")] // the benchmark's shapes
    [InlineData("[LayerNorm(64, 768)]", "float")]
    [InlineData("[LayerNorm(32, 4096)]", "float")]
    [InlineData("[LayerNorm(16384, 768)]", "float")]
    public void LayerNormStaysSmall(string attribute, string type) =>
        AssertSmall(attribute, type, ["input", "weight", "bias", "output", "mean", "rstd"]);

    [Theory]
    [InlineData("[BatchNorm(4096, 4096)]", "float")]
    [InlineData("[BatchNorm(2, 1073741823)]", "float")]
    [InlineData("[BatchNorm(1073741823, 2)]", "double")]
    [InlineData("[BatchNorm(2, 1024, 1048575)]", "float")]
    [InlineData("[BatchNorm(1048575, 2, 1024)]", "float")]
    [InlineData("[BatchNorm(16, 32, 32, 4093, ChannelAxis = -1)]", "float")]
    [InlineData("[BatchNorm(2, 65535, 3)]", "double")]
    [InlineData("[BatchNorm(4, 8, 255)]", "float")] // runs with tails, 4 rows divide: once 101,490 characters, every row's tail written out
    [InlineData("[BatchNorm(4, 1000, 255)]", "float")]
    [InlineData("[BatchNorm(4, 8, 1024)]", "float")] // whole vectors, 4 rows a visit
    [InlineData("[BatchNorm(16, 32, 256)]", "double")] // channel blocks
    [InlineData("[BatchNorm(16, 16, 16, 1160, ChannelAxis = -1)]", "float")] // channel tables, the most training keeps on the stack
    [InlineData("[BatchNorm(97, 813, ChannelAxis = -1)]", "double")] // channel tables, groups left over, a vector and a channel after
    [InlineData("[BatchNorm(8, 3)]", "float")] // the benchmark's shapes
    [InlineData("[BatchNorm(256, 64)]", "float")]
    [InlineData("[BatchNorm(32, 64, 128)]", "float")]
    [InlineData("[BatchNorm(16, 32, 32, 64, ChannelAxis = -1)]", "float")]
    public void BatchNormStaysSmall(string attribute, string type) =>
        AssertSmall(attribute, type, ["input", "weight", "bias", "runningMean", "runningVar", "output", "mean", "rstd"]);

    private static void AssertSmall(string attribute, string type, string[] parameters)
    {
        // Fully optimized at once (no tiering), so the tier the JIT reports is its verdict on the method's size.
        // The vector paths are local functions of the kernel (one a width), so they are marked too.
        CompiledKernels compiled = CompiledKernels.Compile(
            [new KernelDeclaration("K", $"{AggressiveOptimization} {attribute}", type, parameters)],
            rewrite: source => source.Replace("static void Vector", $"{AggressiveOptimization} static void Vector", StringComparison.Ordinal));
        Assert.Empty(compiled.Diagnostics);
        string source = Assert.Single(compiled.GeneratedSources);
        Assert.InRange(source.Length, 1, MaxCharacters);
        Assert.Equal(JitTiers.Tier.Optimized, JitTiers.Compile(compiled.Method("K")));
        MethodInfo[] paths = compiled.VectorPaths("K");
        Assert.Equal(source.Contains("static void Vector512Path(", StringComparison.Ordinal) ? 3 : 0, paths.Length);
        Assert.All(paths, path => Assert.Equal(JitTiers.Tier.Optimized, JitTiers.Compile(path)));
    }

    private const string AggressiveOptimization =
        "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]";
}

using System.Text.RegularExpressions;
using FixedNorm.Tests.Infrastructure;

namespace FixedNorm.Tests.Generator;

/// <summary>
/// Store passes load a step's vectors of the input before they store any of the output. A load waits for an earlier
/// store whose address agrees with it in the low 12 bits, and arrays allocated one after the other often put the output
/// a few vectors past the input modulo 4 KB: loads between the stores took NCL [32, 64, 128] inference from 24.5 to
/// 33 us there, LayerNorm [64, 768] from 5.9 to 9.6 (Zen 4, 2026-12-04; see Limits.StoreUnroll). The rule checked on
/// the emitted code: within a block (between a "{" and its "}", nested blocks apart), the input's loads go back to
/// after the output's stores at most once. Once is a step written out straight and the vectors after it, which load
/// after the step's stores as a loop's vectors after it do; interleaved loads and stores go back with every vector.
/// </summary>
public sealed partial class StoreOrderTests
{
    [Theory]
    [InlineData("LayerNorm(64, 768)", "aligned plan, its store pass alongside the next group's sums")]
    [InlineData("LayerNorm(32, 4096)", "vector passes per group")]
    [InlineData("LayerNorm(16, 33)", "two groups a store pass, tails")]
    [InlineData("LayerNorm(16384, 768)", "streamed output")]
    [InlineData("BatchNorm(32, 64, 128)", "runs in memory order, training")]
    [InlineData("BatchNorm(32, 64, 128, Mode = BatchNormMode.Inference)", "runs in memory order, inference")]
    [InlineData("BatchNorm(16, 32, 32, 64, ChannelAxis = -1)", "row order, training")]
    [InlineData("BatchNorm(16, 32, 32, 64, ChannelAxis = -1, Mode = BatchNormMode.Inference)", "row order, inference")]
    [InlineData("BatchNorm(8192, 24)", "row order, an overlapping block")]
    [InlineData("BatchNorm(16, 16, 16, 260, ChannelAxis = -1)", "channel tables, training, channels after the blocks")]
    [InlineData("BatchNorm(16, 16, 16, 260, ChannelAxis = -1, Mode = BatchNormMode.Inference)", "channel tables, inference")]
    [InlineData("BatchNorm(33, 2, 9, Mode = BatchNormMode.Inference)", "short runs")]
    public void EachStepLoadsItsVectorsBeforeItStoresAny(string attribute, string plan)
    {
        string source = Generate(attribute);
        Assert.True(StoresOutput().IsMatch(source), $"{plan}: no output store found");
        Assert.Empty(Violations(source));
    }

    /// <summary>
    /// The store passes that compute each block's values into locals before storing any (VectorPasses.ForEach): weight,
    /// bias and per-channel constants are loaded before the stores too, and the loop picks its direction at run time
    /// (MemoryHints.StoreStep). Any load between a block's stores is checked here, not only the input's.
    /// </summary>
    [Theory]
    [InlineData("LayerNorm(32, 4096)", "two groups a store pass, weight and bias shared")]
    [InlineData("LayerNorm(3, 300)", "an odd group alone")]
    [InlineData("LayerNorm(16, 33)", "two groups a store pass, tails")]
    [InlineData("LayerNorm(16384, 768)", "streamed output")]
    [InlineData("BatchNorm(32, 64, 128)", "runs in memory order, training")]
    [InlineData("BatchNorm(3, 4, 300, Mode = BatchNormMode.Inference)", "runs in memory order, inference")]
    [InlineData("BatchNorm(33, 2, 9, Mode = BatchNormMode.Inference)", "short runs, constants from tables")]
    [InlineData("BatchNorm(2, 3, 400, Mode = BatchNormMode.Inference)", "aligned runs")]
    public void EachBlockLoadsEverythingBeforeItStores(string attribute, string plan)
    {
        string source = Generate(attribute, affine: true);
        Assert.True(StoresOutput().IsMatch(source), $"{plan}: no output store found");
        Assert.Contains("MemoryHints.StoreStep(ref inputRef, ref outputRef, ", source, StringComparison.Ordinal);
        Assert.Empty(Violations(source, AnyLoad()));
    }

    /// <summary>The checker itself: it flags a store pass that loads between its stores.</summary>
    [Fact]
    public void TheCheckFindsLoadsBetweenStores()
    {
        const string interleaved = """
            for (nuint i = 0; i < 96; i += 48)
            {
                Vector512.StoreUnsafe(Vector512.LoadUnsafe(ref x, i) * s, ref y, i);
                Vector512.StoreUnsafe(Vector512.LoadUnsafe(ref x, i + 16) * s, ref y, i + 16);
                Vector512.StoreUnsafe(Vector512.LoadUnsafe(ref x, i + 32) * s, ref y, i + 32);
            }
            """;
        const string loadsFirst = """
            for (nuint i = 0; i < 64; i += 32)
            {
                var x0 = Vector512.LoadUnsafe(ref x, i);
                var x1 = Vector512.LoadUnsafe(ref x, i + 16);
                Vector512.StoreUnsafe(x0 * s, ref y, i);
                Vector512.StoreUnsafe(x1 * s, ref y, i + 16);
            }
            var x2 = Vector512.LoadUnsafe(ref x, 64);
            var x3 = Vector512.LoadUnsafe(ref x, 80);
            Vector512.StoreUnsafe(x2 * s, ref y, 64);
            Vector512.StoreUnsafe(x3 * s, ref y, 80);
            var x4 = Vector512.LoadUnsafe(ref x, 96);
            Vector512.StoreUnsafe(x4 * s, ref y, 96);
            """;
        Assert.Single(Violations(interleaved));
        Assert.Empty(Violations(loadsFirst));
    }

    private static string Generate(string attribute, bool affine = false) => GeneratorHarness.GenerateOne(attribute, affine);

    /// <summary>The lines that load the input after a store of the output, the second time or later in their block.</summary>
    private static List<string> Violations(string source) => Violations(source, LoadsInput());

    /// <summary>The lines that match <paramref name="loads"/> after a store of the output, the second time or later in their block.</summary>
    private static List<string> Violations(string source, Regex loads)
    {
        var violations = new List<string>();
        var blocks = new Stack<(bool Stored, int Returns)>();
        blocks.Push((false, 0));
        foreach (string line in source.Split('\n').Select(l => l.Trim()))
        {
            if (line == "{")
            {
                blocks.Push((false, 0));
                continue;
            }

            if (line == "}")
            {
                blocks.Pop();
                continue;
            }

            (bool stored, int returns) = blocks.Pop();
            if (stored && loads.IsMatch(line))
            {
                stored = false;
                if (++returns > 1)
                {
                    violations.Add(line);
                }
            }

            if (StoresOutput().IsMatch(line))
            {
                stored = true;
            }

            blocks.Push((stored, returns));
        }

        return violations;
    }

    /// <summary>A vector load from the input: x, xA, xB, xH, xAligned (not next, the next group's input, nor the tables).</summary>
    [GeneratedRegex(@"LoadUnsafe\(ref x[A-Za-z]*[,)]")]
    private static partial Regex LoadsInput();

    /// <summary>Any vector load.</summary>
    [GeneratedRegex(@"\.LoadUnsafe\(")]
    private static partial Regex AnyLoad();

    /// <summary>A vector store to the output: y, yA, yB, yH, yAligned.</summary>
    [GeneratedRegex(@"(StoreUnsafe|StoreNonTemporal)\(.*ref (global::System\.Runtime\.CompilerServices\.Unsafe\.Add\(ref )?y[A-Za-z]*[,)]")]
    private static partial Regex StoresOutput();
}

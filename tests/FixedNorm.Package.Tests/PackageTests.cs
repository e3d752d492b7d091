using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using System.Xml.Linq;

namespace FixedNorm.Package.Tests;

/// <summary>
/// The package as a user gets it: its layout and metadata, and a project outside the repository
/// that references it by version, builds for net8.0 and net10.0, and prints the right numbers.
/// </summary>
public sealed class PackageTests(PackageFixture package) : IClassFixture<PackageFixture>
{
    [Fact]
    public void PackageHoldsTheLibraryForBothFrameworksAndTheGeneratorAsAnAnalyzer()
    {
        Assert.Equal($"FixedNorm.{package.Version}.nupkg", Path.GetFileName(package.PackagePath));

        using ZipArchive zip = ZipFile.OpenRead(package.PackagePath);
        string[] files = zip.Entries.Select(e => e.FullName).ToArray();
        foreach (string expected in new[]
        {
            "FixedNorm.nuspec",
            "README.md",
            "lib/net8.0/FixedNorm.dll",
            "lib/net8.0/FixedNorm.xml",
            "lib/net10.0/FixedNorm.dll",
            "lib/net10.0/FixedNorm.xml",
            "analyzers/dotnet/cs/FixedNorm.Generator.dll",
        })
        {
            Assert.Contains(expected, files);
        }

        // Nothing of the generator's own dependencies is shipped or depended on.
        Assert.DoesNotContain(files, f => f.Contains("CodeAnalysis", StringComparison.OrdinalIgnoreCase));
        Assert.Single(files, f => f.StartsWith("analyzers/", StringComparison.Ordinal));
        Assert.All(files.Where(f => f.StartsWith("lib/", StringComparison.Ordinal)),
            f => Assert.Matches(@"^lib/net(8|10)\.0/FixedNorm\.(dll|xml)$", f));

        using Stream nuspecStream = zip.GetEntry("FixedNorm.nuspec")!.Open();
        XElement metadata = XDocument.Load(nuspecStream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string Value(string name) => metadata.Elements().Single(e => e.Name.LocalName == name).Value;

        Assert.Equal("FixedNorm", Value("id"));
        Assert.Equal(package.Version, Value("version"));
        Assert.Equal("MIT", Value("license"));
        Assert.Equal("README.md", Value("readme"));
        Assert.False(string.IsNullOrWhiteSpace(Value("description")));
        Assert.Contains("layernorm", Value("tags"), StringComparison.Ordinal);
        XElement repository = metadata.Elements().Single(e => e.Name.LocalName == "repository");
        Assert.False(string.IsNullOrWhiteSpace((string?)repository.Attribute("url")));

        XElement dependencies = metadata.Elements().Single(e => e.Name.LocalName == "dependencies");
        Assert.Equal(
            ["net10.0", "net8.0"],
            dependencies.Elements().Select(g => (string)g.Attribute("targetFramework")!).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(dependencies.Descendants(), e => e.Name.LocalName == "dependency");
    }

    [Fact]
    public void ConsumerRestoredThePackageJustPackedAndNothingOfRoslyn()
    {
        string restored = Path.Combine(package.PackagesFolder, "fixednorm", package.Version.ToLowerInvariant());
        using JsonDocument metadata = JsonDocument.Parse(File.ReadAllText(Path.Combine(restored, ".nupkg.metadata")));
        Assert.Equal(
            Path.TrimEndingDirectorySeparator(Path.GetFullPath(package.Feed)),
            Path.TrimEndingDirectorySeparator(Path.GetFullPath(metadata.RootElement.GetProperty("source").GetString()!)));

        Assert.DoesNotContain(
            Directory.GetDirectories(package.PackagesFolder).Select(Path.GetFileName),
            name => name!.StartsWith("microsoft.codeanalysis", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("net8.0", ".NET 8.", true)]
    [InlineData("net10.0", ".NET 10.", false)] // AllowUnsafeBlocks: the kernels carry [SkipLocalsInit]
    public void ConsumerPrintsTheNumbersOfAFloat64Reference(string targetFramework, string runtime, bool initLocals)
    {
        string printed = package.ConsumerOutput[targetFramework];
        Dictionary<string, string> lines = printed.Split('\n')
            .Select(line => line.TrimEnd('\r'))
            .Where(line => line.Contains(' ', StringComparison.Ordinal) && !line.StartsWith('$'))
            .Select(line => (Key: line[..line.IndexOf(' ', StringComparison.Ordinal)], Value: line[(line.IndexOf(' ', StringComparison.Ordinal) + 1)..]))
            .GroupBy(pair => pair.Key)
            .ToDictionary(group => group.Key, group => group.Last().Value);
        double[] Values(string name)
        {
            Assert.True(lines.ContainsKey(name), $"The consumer printed no '{name}':\n{printed}");
            return lines[name].Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        }

        // Ran on the runtime it was built for, with the package's library for that framework.
        Assert.StartsWith(runtime, lines["framework"], StringComparison.Ordinal);
        Assert.Equal($".NETCoreApp,Version=v{targetFramework["net".Length..]}", lines["library"]);
        Assert.Equal(initLocals.ToString(), lines["initlocals"]);
        // The package's runtime check: an output of the wrong length is refused.
        Assert.Equal("output", lines["check"]);

        // [LayerNorm(8, 3)], float.
        var small = References.LayerNorm(Values("small.input"), 3, 1e-5);
        AssertClose(small.Output, Values("small.output"), FloatTolerance, "small.output");

        // [LayerNorm(4, 40)], float, affine, with statistics, on data around 100.
        var wide = References.LayerNorm(Values("wide.input"), 40, 1e-5, Values("wide.weight"), Values("wide.bias"));
        AssertClose(wide.Output, Values("wide.output"), FloatTolerance, "wide.output");
        AssertClose(wide.Mean, Values("wide.mean"), FloatTolerance, "wide.mean");
        AssertClose(wide.Rstd, Values("wide.rstd"), FloatTolerance, "wide.rstd");

        // [LayerNorm(2, 3, 4, 5, Axis = 1, Epsilon = 1e-3)], double: groups of 60.
        var deep = References.LayerNorm(Values("deep.input"), 60, 1e-3, Values("deep.weight"), Values("deep.bias"));
        AssertClose(deep.Output, Values("deep.output"), DoubleTolerance, "deep.output");
        AssertClose(deep.Mean, Values("deep.mean"), DoubleTolerance, "deep.mean");
        AssertClose(deep.Rstd, Values("deep.rstd"), DoubleTolerance, "deep.rstd");

        // [BatchNorm(4, 3, 64, Momentum = 0.1)] training step, float, affine, running statistics.
        double[] runningMean = Values("batch.runningMean.before");
        double[] runningVar = Values("batch.runningVar.before");
        var batch = References.BatchNormTraining(
            Values("batch.input"), 3, 64, 1e-5, 0.1, Values("batch.weight"), Values("batch.bias"), runningMean, runningVar);
        AssertClose(batch.Output, Values("batch.output"), FloatTolerance, "batch.output");
        AssertClose(batch.Mean, Values("batch.mean"), FloatTolerance, "batch.mean");
        AssertClose(batch.Rstd, Values("batch.rstd"), FloatTolerance, "batch.rstd");
        AssertClose(runningMean, Values("batch.runningMean.after"), FloatTolerance, "batch.runningMean.after");
        AssertClose(runningVar, Values("batch.runningVar.after"), FloatTolerance, "batch.runningVar.after");

        // [BatchNorm(8, 3)] training step from PyTorch's initial running statistics (0 and 1).
        double[] notebookMean = [0, 0, 0];
        double[] notebookVar = [1, 1, 1];
        var notebook = References.BatchNormTraining(Values("notebook.input"), 3, 1, 1e-5, 0.1, null, null, notebookMean, notebookVar);
        AssertClose(notebook.Output, Values("notebook.output"), FloatTolerance, "notebook.output");
        AssertClose(notebookMean, Values("notebook.runningMean.after"), FloatTolerance, "notebook.runningMean.after");
        AssertClose(notebookVar, Values("notebook.runningVar.after"), FloatTolerance, "notebook.runningVar.after");

        // [BatchNorm(100, 3)] training step, affine: the periodic plan (on net8.0, without Vector256.FusedMultiplyAdd).
        double[] rowsMean = Values("rows.runningMean.before");
        double[] rowsVar = Values("rows.runningVar.before");
        var rows = References.BatchNormTraining(Values("rows.input"), 3, 1, 1e-5, 0.1, Values("rows.weight"), Values("rows.bias"), rowsMean, rowsVar);
        AssertClose(rows.Output, Values("rows.output"), FloatTolerance, "rows.output");
        AssertClose(rowsMean, Values("rows.runningMean.after"), FloatTolerance, "rows.runningMean.after");
        AssertClose(rowsVar, Values("rows.runningVar.after"), FloatTolerance, "rows.runningVar.after");
    }

    /// <summary>A few float32 roundings, relative to the value's magnitude (at least 1).</summary>
    private const double FloatTolerance = 1e-5;

    private const double DoubleTolerance = 1e-12;

    private static void AssertClose(double[] expected, double[] actual, double tolerance, string name)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double allowed = tolerance * Math.Max(1, Math.Abs(expected[i]));
            Assert.True(
                Math.Abs(expected[i] - actual[i]) <= allowed,
                $"{name}[{i}]: expected {expected[i]:R} (float64 reference), printed {actual[i]:R}; off by {Math.Abs(expected[i] - actual[i]):E2}, allowed {allowed:E2}");
        }
    }
}

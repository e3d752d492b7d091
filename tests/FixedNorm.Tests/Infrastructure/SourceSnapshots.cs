using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Snapshooter;
using Snapshooter.Xunit3;

namespace FixedNorm.Tests.Infrastructure;

/// <summary>
/// Snapshots laid out as Verify.SourceGenerators does: one file per generated source
/// ("Class.Test#Hint.g.cs.snap") and one for the diagnostics ("Class.Test.diagnostics.snap").
/// </summary>
public static partial class SourceSnapshots
{
    public static void Match(GeneratorOutput output, [CallerFilePath] string file = "", [CallerMemberName] string test = "")
    {
        string folder = Path.GetDirectoryName(file)!;
        string prefix = Path.GetFileNameWithoutExtension(file) + "." + test;
        foreach ((string hintName, string source) in output.Sources)
        {
            Snapshot.Match(Scrub(source), new SnapshotFullName($"{prefix}#{hintName}.snap", folder));
        }

        MatchDiagnostics(output, file, test);
    }

    /// <summary>Snapshots only the diagnostics ("Class.Test.diagnostics.snap").</summary>
    public static void MatchDiagnostics(GeneratorOutput output, [CallerFilePath] string file = "", [CallerMemberName] string test = "")
    {
        string prefix = Path.GetFileNameWithoutExtension(file) + "." + test;
        string diagnostics = GeneratorHarness.Format(output.GeneratorDiagnostics.Concat(output.CompilationDiagnostics));
        Snapshot.Match(diagnostics.Length == 0 ? "(none)" : diagnostics, new SnapshotFullName($"{prefix}.diagnostics.snap", Path.GetDirectoryName(file)!));
    }

    /// <summary>Replaces the generator's version so snapshots survive a version bump.</summary>
    public static string Scrub(string source) => VersionPattern().Replace(source, "\"FixedNorm\", \"VERSION\"");

    [GeneratedRegex("\"FixedNorm\", \"[0-9.]+\"")]
    private static partial Regex VersionPattern();
}

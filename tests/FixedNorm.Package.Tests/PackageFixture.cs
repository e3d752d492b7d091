using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace FixedNorm.Package.Tests;

/// <summary>
/// Packs runtime/FixedNorm.csproj into a temporary feed, then builds a fresh consumer project
/// outside the repository against that package (net8.0 and net10.0) and runs both builds.
/// Everything lives in one temporary folder, deleted afterwards: the feed, the pack's own
/// build output, and a NuGet packages folder of its own, so no cached FixedNorm can stand in
/// for the one just packed. Other packages come from the sources the user-level NuGet
/// configuration names.
/// </summary>
public sealed partial class PackageFixture : IAsyncLifetime
{
    /// <summary>Per command; a cold restore on a slow machine stays far below it.</summary>
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(10);

    private readonly StringBuilder log = new();

    public string RepositoryRoot { get; } = FindRepositoryRoot();

    public string WorkDirectory { get; } = Path.Combine(Path.GetTempPath(), "fixednorm-package-" + Guid.NewGuid().ToString("N")[..12]);

    public string Feed => Path.Combine(WorkDirectory, "feed");

    public string PackagesFolder => Path.Combine(WorkDirectory, "packages");

    public string ConsumerDirectory => Path.Combine(WorkDirectory, "consumer");

    /// <summary>The runtime identifier the self-contained net8.0 build is made for: this machine's.</summary>
    public string RuntimeIdentifier { get; } = RuntimeInformation.RuntimeIdentifier;

    /// <summary>Version in Directory.Build.props, which the package must carry.</summary>
    public string Version { get; private set; } = "";

    public string PackagePath { get; private set; } = "";

    /// <summary>What the consumer printed, by target framework ("net8.0", "net10.0").</summary>
    public Dictionary<string, string> ConsumerOutput { get; } = [];

    /// <summary>Every command run and what it printed, for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (log)
            {
                return log.ToString();
            }
        }
    }

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(WorkDirectory);
        Assert.False(
            Path.GetFullPath(WorkDirectory).StartsWith(Path.GetFullPath(RepositoryRoot) + Path.DirectorySeparatorChar, StringComparison.Ordinal),
            $"The consumer must live outside the repository, but the temporary folder {WorkDirectory} is inside {RepositoryRoot}.");

        Version = VersionPattern().Match(File.ReadAllText(Path.Combine(RepositoryRoot, "Directory.Build.props"))) is { Success: true } match
            ? match.Groups[1].Value
            : throw new InvalidOperationException("No <Version> in Directory.Build.props.");

        await Run(
            DotNetCli.Host,
            ["pack", Path.Combine(RepositoryRoot, "runtime", "FixedNorm.csproj"), "-c", "Release", "-o", Feed,
             "--artifacts-path", Path.Combine(WorkDirectory, "pack"), "-nodeReuse:false", "-p:UseSharedCompilation=false"],
            RepositoryRoot,
            new Dictionary<string, string?>());

        string[] packages = Directory.GetFiles(Feed);
        Assert.True(packages.Length == 1, $"Expected exactly one file in the feed, found: {string.Join(", ", packages.Select(Path.GetFileName))}");
        PackagePath = packages[0];

        // The consumer's folder: nothing of the repository's MSBuild or NuGet settings reaches it.
        File.WriteAllText(Path.Combine(WorkDirectory, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(WorkDirectory, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(WorkDirectory, "Directory.Packages.props"), "<Project />\n");
        // The feed is added to the sources of the user-level configuration, which are not cleared.
        File.WriteAllText(Path.Combine(WorkDirectory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="fixednorm-under-test" value="{Feed}" />
              </packageSources>
            </configuration>
            """);

        Directory.CreateDirectory(ConsumerDirectory);
        foreach (string source in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Consumer")))
        {
            File.Copy(source, Path.Combine(ConsumerDirectory, Path.GetFileName(source)));
        }

        File.WriteAllText(Path.Combine(ConsumerDirectory, "PackageConsumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFrameworks>net8.0;net10.0</TargetFrameworks>
                <AssemblyName>PackageConsumer</AssemblyName>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <InvariantGlobalization>true</InvariantGlobalization>
                <!-- Only Microsoft.NETCore.App's packs: nothing of ASP.NET Core is fetched. -->
                <DisableTransitiveFrameworkReferenceDownloads>true</DisableTransitiveFrameworkReferenceDownloads>
              </PropertyGroup>
              <!-- The net8.0 build carries the .NET 8 runtime (from the runtime pack), so it runs on
                   .NET 8 whether or not a .NET 8 shared runtime is installed. -->
              <PropertyGroup Condition="'$(TargetFramework)' == 'net8.0'">
                <RuntimeIdentifier>{RuntimeIdentifier}</RuntimeIdentifier>
                <SelfContained>true</SelfContained>
              </PropertyGroup>
              <!-- The net10.0 build allows unsafe code, so its kernels carry [SkipLocalsInit]; the net8.0 build does not. -->
              <PropertyGroup Condition="'$(TargetFramework)' == 'net10.0'">
                <AllowUnsafeBlocks>true</AllowUnsafeBlocks>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="FixedNorm" Version="[{Version}]" />
              </ItemGroup>
            </Project>
            """);

        var consumerEnvironment = new Dictionary<string, string?> { ["NUGET_PACKAGES"] = PackagesFolder };
        await Run(
            DotNetCli.Host,
            ["build", "-c", "Release", "-nodeReuse:false", "-p:UseSharedCompilation=false"],
            ConsumerDirectory,
            consumerEnvironment);

        string bin = Path.Combine(ConsumerDirectory, "bin", "Release");
        ConsumerOutput["net10.0"] = await Run(
            DotNetCli.Host, [Path.Combine(bin, "net10.0", "PackageConsumer.dll")], ConsumerDirectory, consumerEnvironment);
        string net8Program = Path.Combine(bin, "net8.0", RuntimeIdentifier, OperatingSystem.IsWindows() ? "PackageConsumer.exe" : "PackageConsumer");
        ConsumerOutput["net8.0"] = await Run(net8Program, [], ConsumerDirectory, consumerEnvironment);
    }

    public ValueTask DisposeAsync()
    {
        if (Environment.GetEnvironmentVariable("FIXEDNORM_KEEP_PACKAGE_TEST") is not { Length: > 0 })
        {
            try
            {
                Directory.Delete(WorkDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temporary folder is not a test failure.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return ValueTask.CompletedTask;
    }

    private async Task<string> Run(string fileName, string[] arguments, string workingDirectory, IReadOnlyDictionary<string, string?> environment)
    {
        (int exitCode, string output) = await DotNetCli.RunAsync(fileName, arguments, workingDirectory, environment, CommandTimeout);
        lock (log)
        {
            log.Append(output).AppendLine($"(exit code {exitCode})").AppendLine();
        }

        if (exitCode != 0)
        {
            throw new InvalidOperationException($"A command failed (exit code {exitCode}). Everything run so far:\n{Log}");
        }

        return output;
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Generated.sln")))
            {
                return directory.FullName;
            }
        }

        // Built with --artifacts-path the tests run from outside the tree: use where they were built from.
        string? source = typeof(PackageFixture).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value;
        return source is not null && File.Exists(Path.Combine(source, "Generated.sln"))
            ? Path.GetFullPath(source)
            : throw new InvalidOperationException($"No Generated.sln above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"<Version>\s*([^<\s]+)\s*</Version>")]
    private static partial Regex VersionPattern();
}

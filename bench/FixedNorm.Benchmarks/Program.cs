using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace FixedNorm.Benchmarks;

/// <summary>
/// dotnet run -c Release --project bench/FixedNorm.Benchmarks [-- --quick] [BenchmarkDotNet arguments]
/// dotnet run -c Release --project bench/FixedNorm.Benchmarks -- --small-shapes
/// </summary>
public static class Program
{
    /// <summary>
    /// Set for the quick job's process (in-process toolchain), which runs itself again with these when they
    /// are not set. One process runs every benchmark, so the runtime's tiering must settle quickly and surely:
    /// by default it waits 100 ms after the last tier-0 JIT before it counts calls (each new benchmark JITs, so
    /// the wait restarts), and with dynamic PGO a method with loops goes tier 0, instrumented tier 0, tier 1;
    /// in one process that second step was seen to stall for a whole benchmark (a 24-element naive LayerNorm
    /// measured 460 ns at tier 0 instead of 42 ns at tier 1). With no delay and no PGO instrumentation, methods
    /// were seen to reach tier 1 within BenchmarkDotNet's pilot stage. The full job runs each benchmark in its own
    /// process with the runtime's defaults.
    /// </summary>
    private static readonly (string Name, string Value)[] QuickRuntimeSettings =
    [
        ("DOTNET_TC_CallCountingDelayMs", "0"),
        ("DOTNET_TieredPGO", "0"),
    ];

    /// <summary>Set for the second process of the quick job: the first has run <see cref="Preflight"/>.</summary>
    private const string CheckedVariable = "FIXEDNORM_BENCH_PEERS_CHECKED";

    public static int Main(string[] args)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        var clock = Stopwatch.StartNew();
        bool quick = args.Contains("--quick");
        if (args.Contains("--small-shapes"))
        {
            // The quick job's runtime settings, so every method reaches tier 1 during its warmup.
            return QuickRuntimeSettings.Any(setting => Environment.GetEnvironmentVariable(setting.Name) is null)
                ? RunAgainWithQuickRuntimeSettings(args)
                : SmallShapes.Run() ? 0 : 1;
        }

        bool listOnly = args.Any(a => a is "--list" or "--help" or "-h" || a.StartsWith("--list=", StringComparison.Ordinal));
        if (quick && !listOnly && QuickRuntimeSettings.Any(setting => Environment.GetEnvironmentVariable(setting.Name) is null))
        {
            if (!Preflight.Run())
            {
                return 1;
            }

            int exitCode = RunAgainWithQuickRuntimeSettings(args);
            Console.WriteLine($"Quick run: {clock.Elapsed.TotalSeconds:F1} s in all (peer check, then the timing process), exit code {exitCode}.");
            return exitCode;
        }

        string[] switcherArgs = [.. args.Where(a => a != "--quick")];
        if (!listOnly && !switcherArgs.Any(a => a is "--filter" or "-f" || a.StartsWith("--filter=", StringComparison.Ordinal)))
        {
            switcherArgs = [.. switcherArgs, "--filter", "*"];
        }

        // Every peer against the generated kernel before anything is timed (each benchmark's GlobalSetup checks again).
        // The quick job checks in the first process, so the one that times has run nothing else.
        if (!listOnly && Environment.GetEnvironmentVariable(CheckedVariable) is null && !Preflight.Run())
        {
            return 1;
        }

        Job job = quick
            ? Job.Default
                .WithToolchain(InProcessEmitToolchain.Instance)
                .WithLaunchCount(1)
                .WithWarmupCount(3)
                .WithIterationCount(7)
                .WithIterationTime(TimeInterval.FromMilliseconds(25))
                .WithId("Quick")
            : Job.Default;

        IConfig config = ManualConfig.Create(DefaultConfig.Instance)
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .WithOrderer(new GeneratorLastOrderer())
            .WithOptions(ConfigOptions.JoinSummary);

        Summary[] summaries = [.. BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(switcherArgs, config)];
        if (summaries.Length == 0)
        {
            return 0;
        }

        string table = RatioTable.Format(summaries);
        Console.WriteLine();
        Console.WriteLine(table);
        foreach (Summary summary in summaries)
        {
            string path = Path.Combine(summary.ResultsDirectoryPath, "ratio-table.md");
            File.WriteAllText(path, table);
            Console.WriteLine($"Ratio table written to {path}");
        }

        Console.WriteLine($"Benchmarks: {clock.Elapsed.TotalSeconds:F1} s ({(quick ? "quick" : "full")} job)");
        bool failed = summaries.SelectMany(s => s.Reports).Any(r => !r.Success || r.ResultStatistics is null)
            || summaries.Any(s => s.HasCriticalValidationErrors);
        return failed ? 1 : 0;
    }

    /// <summary>Runs this program again, same arguments, with <see cref="QuickRuntimeSettings"/> (those not already set).</summary>
    private static int RunAgainWithQuickRuntimeSettings(string[] args)
    {
        string host = Environment.ProcessPath ?? throw new InvalidOperationException("No process path to run again.");
        var start = new ProcessStartInfo(host) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            // Started as "dotnet FixedNorm.Benchmarks.dll": the host needs the assembly again.
            start.ArgumentList.Add(typeof(Program).Assembly.Location);
        }

        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach ((string name, string value) in QuickRuntimeSettings)
        {
            start.Environment[name] = Environment.GetEnvironmentVariable(name) ?? value;
        }

        start.Environment[CheckedVariable] = "1";
        using Process child = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {host}.");
        child.WaitForExit();
        return child.ExitCode;
    }
}

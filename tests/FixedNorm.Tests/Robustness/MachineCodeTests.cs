using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;

namespace FixedNorm.Tests.Robustness;

/// <summary>
/// What the JIT makes of the kernels: tests/FixedNorm.MachineCode (kernels of every plan, the benchmark suite's among
/// them) runs in a process of its own with every method compiled once, fully optimized (DOTNET_TieredCompilation=0), and
/// its machine code printed (DOTNET_JitDisasm). Each kernel and the vector path it takes must be fully optimized and call
/// nothing but the throw helpers of its entry checks: no bounds check (CORINFO_HELP_RNGCHKFAIL), no allocation, no
/// boxing, and no method the JIT left as a call. The last one found a defect: with its three vector paths in one method,
/// a large kernel had more than 512 locals, past which the JIT inlines nothing, and [BatchNorm(256, 64)] with mean and
/// rstd called Vector512.Widen in its loops (3.4 us a call against 2.8; see VectorPasses.EmitPerWidth). Run with AVX-512
/// and AVX2 turned off too, so each vector width's paths are read.
/// </summary>
public sealed partial class MachineCodeTests
{
    /// <summary>
    /// Calls a kernel may make: its entry checks' throw helpers; the stack's security cookie check, the zeroing of stack
    /// buffers in projects without [SkipLocalsInit] and the probe of a large frame; the copy of weight and bias to the
    /// stack (the aligned LayerNorm plan); and its own vector path.
    /// </summary>
    private static readonly Regex Allowed = new(
        @"^(\[FixedNorm\.ThrowHelper:Throw\w+\(|CORINFO_HELP_(FAIL_FAST|MEMZERO|STACK_PROBE)$|\[CORINFO_HELP_MEMZERO\]$|\[System\.SpanHelpers:Memmove\()",
        RegexOptions.CultureInvariant);

    [Theory]
    [InlineData("")]
    [InlineData("DOTNET_EnableAVX512")]
    [InlineData("DOTNET_EnableAVX2")]
    public async Task KernelsCallNothingButTheirThrowHelpers(string disabled)
    {
        (int widest, int kernels, string listing) = await Disassemble(disabled);

        // The switch took: the paths read are a narrower width's.
        switch (disabled)
        {
            case "DOTNET_EnableAVX512":
                Assert.True(widest <= 256, $"AVX-512 off, yet Vector{widest} is accelerated");
                break;
            case "DOTNET_EnableAVX2":
                Assert.Equal(128, widest);
                break;
        }

        Dictionary<string, Method> methods = Parse(listing);

        Method[] roots = [.. methods.Values.Where(m => !m.IsPath)];
        Assert.Equal(kernels, roots.Length);
        Assert.True(kernels >= 40, $"only {kernels} kernels");
        foreach (Method method in methods.Values)
        {
            Assert.True(method.Tier == "FullOpts", $"{method.Name} was compiled {method.Tier}");
            string path = $"<{method.Kernel}>g__Vector{widest}Path";
            string[] forbidden = [.. method.Calls.Where(c => !Allowed.IsMatch(c) && !c.Contains($"Kernels:{path}|", StringComparison.Ordinal))];
            Assert.True(forbidden.Length == 0, $"{method.Name} calls:\n{string.Join("\n", forbidden)}");
        }

        // Kernels with vector paths call the one for this machine's widest vector, which is compiled as above.
        Method[] withPaths = [.. roots.Where(r => r.Calls.Any(c => c.Contains(">g__Vector", StringComparison.Ordinal)))];
        Assert.True(withPaths.Length >= 20, $"only {withPaths.Length} kernels with vector paths");
        foreach (Method root in withPaths)
        {
            Assert.Contains(methods.Values, m => m.IsPath && m.Kernel == root.Kernel && m.Name.Contains($">g__Vector{widest}Path|", StringComparison.Ordinal));
        }
    }

    private sealed record Method(string Name, string Kernel, bool IsPath, string Tier, List<string> Calls);

    /// <summary>"; Assembly listing for method FixedNorm.MachineCode.Kernels:Name(...) (FullOpts)" and the lines after it.</summary>
    private static Dictionary<string, Method> Parse(string listing)
    {
        var methods = new Dictionary<string, Method>(StringComparer.Ordinal);
        Method? current = null;
        foreach (string line in listing.Split('\n'))
        {
            Match header = Header().Match(line);
            if (header.Success)
            {
                string name = header.Groups["name"].Value;
                Match local = LocalFunction().Match(name);
                current = new Method(name, local.Success ? local.Groups["kernel"].Value : name, local.Success, header.Groups["tier"].Value, []);
                Assert.True(methods.TryAdd(name, current), $"{name} compiled twice");
                continue;
            }

            Match call = Call().Match(line);
            if (call.Success)
            {
                Assert.NotNull(current);
                current.Calls.Add(call.Groups["target"].Value.Trim());
            }
        }

        return methods;
    }

    [GeneratedRegex(@"^; Assembly listing for method FixedNorm\.MachineCode\.Kernels:(?<name>[^(]+)\(.*\) \((?<tier>[^()]+)\)\s*$")]
    private static partial Regex Header();

    [GeneratedRegex(@"^<(?<kernel>\w+)>g__Vector\d+Path\|")]
    private static partial Regex LocalFunction();

    [GeneratedRegex(@"^\s+(call|tail\.jmp)\s+(?<target>.+)$")]
    private static partial Regex Call();

    private static async Task<(int Widest, int Kernels, string Listing)> Disassemble(string disabled)
    {
        string program = typeof(MachineCodeTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "MachineCodeProgram").Value!;
        Assert.True(File.Exists(program), $"{program} was not built");
        string listing = Path.Combine(Path.GetTempPath(), $"fixednorm-jit-{Guid.NewGuid():N}.txt");
        var start = new ProcessStartInfo(DotNetHost(), [program])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["DOTNET_TieredCompilation"] = "0";
        start.Environment["DOTNET_JitDisasm"] = "FixedNorm.MachineCode.Kernels:*";
        start.Environment["DOTNET_JitStdOutFile"] = listing;
        if (disabled.Length > 0)
        {
            start.Environment[disabled] = "0";
        }

        try
        {
            using Process process = Process.Start(start)!;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(TimeSpan.FromMinutes(2));
            Task<string> output = process.StandardOutput.ReadToEndAsync(timeout.Token);
            Task<string> errors = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            string printed = await output + await errors;
            Assert.True(process.ExitCode == 0, printed);
            int widest = int.Parse(Printed("widest vector", printed), System.Globalization.CultureInfo.InvariantCulture);
            int kernels = int.Parse(Printed("kernels", printed), System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(File.Exists(listing), $"no disassembly was written\n{printed}");
            return (widest, kernels, await File.ReadAllTextAsync(listing, timeout.Token));
        }
        finally
        {
            File.Delete(listing);
        }
    }

    private static string Printed(string label, string printed) =>
        Regex.Match(printed, $@"^{label}: (\d+)\s*$", RegexOptions.Multiline).Groups[1] is { Success: true } value
            ? value.Value
            : throw new InvalidOperationException($"'{label}' not printed:\n{printed}");

    /// <summary>The dotnet host the SDK runs under, else the one on PATH.</summary>
    private static string DotNetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
}

using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using FixedNorm.MachineCode;

// Compiles every kernel in Kernels, and the vector path this machine takes, without running them. MachineCodeTests runs
// this with DOTNET_TieredCompilation=0 (each method compiled once, fully optimized) and DOTNET_JitDisasm, and reads the
// machine code. The other paths are left alone: compiled where their width is not accelerated, they would call the
// vector APIs' software fallbacks, which no kernel ever runs.
int widest = Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : 128;
int kernels = 0;
foreach (MethodInfo method in typeof(Kernels).GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly))
{
    bool path = method.Name.Contains(">g__Vector", StringComparison.Ordinal);
    if (path && !method.Name.Contains($">g__Vector{widest}Path", StringComparison.Ordinal))
    {
        continue;
    }

    RuntimeHelpers.PrepareMethod(method.MethodHandle);
    kernels += path ? 0 : 1;
}

Console.WriteLine($"widest vector: {widest}");
Console.WriteLine($"kernels: {kernels}");

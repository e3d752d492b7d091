using System.Reflection;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace FixedNorm.Tests.Infrastructure;

/// <summary>A kernel to declare: its attribute text and its parameters in declaration order.</summary>
/// <param name="ReadOnly">Parameters declared ReadOnlySpan even though their name is usually written (inference running statistics).</param>
public sealed record KernelDeclaration(string Name, string Attribute, string ElementType, IReadOnlyList<string> Parameters, IReadOnlyList<string>? ReadOnly = null);

/// <summary>How a test compilation starts the kernels' locals and stack buffers.</summary>
public enum StackStart
{
    /// <summary>Unsafe code allowed, so the kernels carry [SkipLocalsInit]: their stack buffers start as the stack was.</summary>
    Default,

    /// <summary>Unsafe code not allowed, so nothing can skip zeroing: every stack buffer starts at zero.</summary>
    Zeroed,

    /// <summary>
    /// <c>[module: SkipLocalsInit]</c>, as a user may write it, and every call made right after filling the stack below
    /// the caller with one byte (<see cref="CompiledKernels.SetStackFill"/>; 0x3F by default, 0.75 in every float and
    /// 4.8e-4 in every double): a kernel that reads a stack buffer before writing it reads those values. The first call
    /// of a kernel also compiles it, on the same stack, so only later calls are sure to see the fill.
    /// </summary>
    Dirty,
}

/// <summary>
/// Compiles kernels declared at test time through the real generator, loads the assembly, and calls them
/// through array wrappers (spans cannot go through reflection).
/// </summary>
public sealed class CompiledKernels
{
    private static readonly HashSet<string> Written = ["output", "mean", "rstd", "runningMean", "runningVar"];
    private readonly Type _type;

    private CompiledKernels(Type type, IReadOnlyList<string> sources, IReadOnlyList<Diagnostic> diagnostics)
    {
        _type = type;
        GeneratedSources = sources;
        Diagnostics = diagnostics;
    }

    /// <summary>The generated files, so tests can check which plans their kernels took.</summary>
    public IReadOnlyList<string> GeneratedSources { get; }

    /// <summary>The one generated source that declares kernel <paramref name="name"/>.</summary>
    public string SourceOf(string name) => Assert.Single(GeneratedSources, s => s.Contains($" {name}(", StringComparison.Ordinal));

    /// <summary>
    /// Whether kernel <paramref name="name"/> streams its output: non-temporal stores, and the fence after them, both or
    /// neither.
    /// </summary>
    public void AssertStreamed(string name, bool streamed)
    {
        string source = SourceOf(name);
        Assert.Equal(streamed, source.Contains("MemoryHints.StoreNonTemporal", StringComparison.Ordinal));
        Assert.Equal(streamed, source.Contains("MemoryHints.StoreFence();", StringComparison.Ordinal));
    }

    /// <summary>The generator's and the compilation's diagnostics below error (errors throw in <see cref="Compile"/>).</summary>
    public IReadOnlyList<Diagnostic> Diagnostics { get; }

    /// <param name="overflowChecks">
    /// Compile as a project with CheckForOverflowUnderflow does (the default, like this test project): generated arithmetic
    /// that overflows throws, so every numeric test also shows the kernels never overflow.
    /// </param>
    /// <param name="rewrite">
    /// Applied to each generated source before it is compiled: a test that must see which branch a kernel takes makes the
    /// other one throw. The generated sources reported are the generator's own.
    /// </param>
    /// <param name="stack">How the kernels' locals and stack buffers start (<see cref="StackStart"/>).</param>
    public static CompiledKernels Compile(
        IEnumerable<KernelDeclaration> kernels, bool overflowChecks = true, Func<string, string>? rewrite = null, StackStart stack = StackStart.Default)
    {
        bool dirty = stack == StackStart.Dirty;
        string Body(string call) => dirty ? $"{{ Dirty(); {call}; }}" : $"=> {call};";
        var source = new StringBuilder();
        source.AppendLine("using System;");
        source.AppendLine("using FixedNorm;");
        if (dirty)
        {
            source.AppendLine("[module: System.Runtime.CompilerServices.SkipLocalsInit]");
        }

        source.AppendLine("namespace Dynamic;");
        source.AppendLine("public static partial class Kernels");
        source.AppendLine("{");
        if (dirty)
        {
            source.AppendLine("    public static byte StackFill = 0x3F;");
            source.AppendLine("    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]");
            source.AppendLine("    private static void Dirty() { Span<byte> below = stackalloc byte[256 * 1024]; below.Fill(StackFill); Keep(below); }");
            source.AppendLine("    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]");
            source.AppendLine("    private static void Keep(Span<byte> below) { if (below[below.Length / 2] == 0) throw new InvalidOperationException(); }");
        }

        foreach (KernelDeclaration kernel in kernels)
        {
            string t = kernel.ElementType;
            string parameters = string.Join(", ", kernel.Parameters.Select(p => $"{(Written.Contains(p) && kernel.ReadOnly?.Contains(p) != true ? "Span" : "ReadOnlySpan")}<{t}> {p}"));
            source.AppendLine($"    {kernel.Attribute}");
            source.AppendLine($"    public static partial void {kernel.Name}({parameters});");
            string arrays = string.Join(", ", kernel.Parameters.Select(p => $"{t}[] {p}"));
            source.AppendLine($"    public static void {kernel.Name}_Run({arrays}) " + Body($"{kernel.Name}({string.Join(", ", kernel.Parameters)})"));
            source.AppendLine($"    public static void {kernel.Name}_RunFrom(int start, {arrays}) " + Body($"{kernel.Name}({string.Join(", ", kernel.Parameters.Select(p => $"{p}.AsSpan(start)"))})"));
            source.AppendLine($"    public static void {kernel.Name}_RunSlices(int[] starts, int[] lengths, {arrays}) " + Body($"{kernel.Name}({string.Join(", ", kernel.Parameters.Select((p, i) => $"{p}.AsSpan(starts[{i}], lengths[{i}])"))})"));
        }

        source.AppendLine("}");

        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(source.ToString());
        if (stack != StackStart.Zeroed)
        {
            compilation = compilation.WithUnsafeCode();
        }

        GeneratorOutput output = GeneratorHarness.Run(overflowChecks ? compilation.WithOptions(compilation.Options.WithOverflowChecks(true)) : compilation);
        if (output.CompilationDiagnostics.Any(d => d.Severity == DiagnosticSeverity.Error) ||
            output.GeneratorDiagnostics.Any(d => d.Severity == DiagnosticSeverity.Error))
        {
            throw new InvalidOperationException(
                "Kernels did not compile:\n" + GeneratorHarness.Format(output.GeneratorDiagnostics.Concat(output.CompilationDiagnostics)) + "\n" + source);
        }

        Compilation compiled = output.OutputCompilation;
        if (rewrite is not null)
        {
            var generated = output.Sources.Select(s => s.Source).ToHashSet();
            foreach (SyntaxTree tree in compiled.SyntaxTrees.Where(t => generated.Contains(t.ToString())).ToList())
            {
                compiled = compiled.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(rewrite(tree.ToString()), (CSharpParseOptions)tree.Options, tree.FilePath));
            }
        }

        using var image = new MemoryStream();
        var emitted = compiled.Emit(image);
        if (!emitted.Success)
        {
            throw new InvalidOperationException("Emit failed:\n" + GeneratorHarness.Format(emitted.Diagnostics));
        }

        Assembly assembly = Assembly.Load(image.ToArray());
        return new CompiledKernels(
            assembly.GetType("Dynamic.Kernels", throwOnError: true)!,
            output.Sources.Select(s => s.Source).ToArray(),
            [.. output.GeneratorDiagnostics, .. output.CompilationDiagnostics]);
    }

    /// <summary>
    /// The byte a <see cref="StackStart.Dirty"/> compilation fills the stack with before each call. Finite values are the
    /// searching case: a NaN or a huge value makes a kernel's sums fail its finiteness or outlier checks, and the exact
    /// fallback then repairs most of what it did.
    /// </summary>
    public void SetStackFill(byte fill) =>
        (_type.GetField("StackFill") ?? throw new InvalidOperationException("Not a StackStart.Dirty compilation.")).SetValue(null, fill);

    /// <summary>Kernel <paramref name="name"/> itself (not its array wrappers).</summary>
    public MethodInfo Method(string name) => _type.GetMethod(name) ?? throw new ArgumentException($"No kernel {name}.");

    /// <summary>The vector paths of kernel <paramref name="name"/>, local functions of its own (none for scalar plans).</summary>
    public MethodInfo[] VectorPaths(string name) =>
        [.. _type.GetMethods(BindingFlags.NonPublic | BindingFlags.Static).Where(m => m.Name.StartsWith($"<{name}>g__Vector", StringComparison.Ordinal))];

    /// <summary>Calls kernel <paramref name="name"/> with arrays in its declared parameter order.</summary>
    public void Run(string name, params Array[] arguments) => Invoke(name + "_Run", arguments);

    /// <summary>
    /// Calls kernel <paramref name="name"/> with every array's span from element <paramref name="start"/> on (the arrays
    /// are that much longer), so a test can place the spans at any alignment; the same array twice is the same span.
    /// </summary>
    public void RunFrom(string name, int start, params Array[] arguments) => Invoke(name + "_RunFrom", [start, .. arguments]);

    /// <summary>
    /// Calls kernel <paramref name="name"/> with each argument the span [start, start + length) of its array, in declared
    /// parameter order; two arguments may share one array (an output placed a chosen distance past the input).
    /// </summary>
    public void RunSlices(string name, params (Array Array, int Start, int Length)[] arguments) =>
        Invoke(name + "_RunSlices", [arguments.Select(a => a.Start).ToArray(), arguments.Select(a => a.Length).ToArray(), .. arguments.Select(a => a.Array)]);

    private void Invoke(string wrapper, object[] arguments)
    {
        MethodInfo method = _type.GetMethod(wrapper) ?? throw new ArgumentException($"No kernel wrapper {wrapper}.");
        try
        {
            method.Invoke(null, arguments);
        }
        catch (TargetInvocationException exception) when (exception.InnerException is not null)
        {
            throw exception.InnerException;
        }
    }
}

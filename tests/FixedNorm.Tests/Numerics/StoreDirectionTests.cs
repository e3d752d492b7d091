using FixedNorm.Tests.Infrastructure;
using static FixedNorm.Tests.Infrastructure.Placement;

namespace FixedNorm.Tests.Numerics;

/// <summary>
/// Store passes run their loop forwards, or backwards when the output lies 1 to 2047 bytes past the input modulo 4 KB
/// (<see cref="MemoryHints.StoreStep{T}"/>): a load waits for an earlier store 4 KB away, and arrays allocated one after the
/// other often put the output just past the input. Here input and output share one array, the output placed a chosen
/// number of bytes past the input modulo 4 KB: each kernel (LayerNorm in pairs of groups, an odd group alone, doubles,
/// streamed, the aligned plan, whose store pass shares a loop with the next group's sums, with one chunk of sums, two,
/// and doubles, the batched plan with groups written out, groups in loops, doubles, and groups ending in a part
/// vector; BatchNorm training and inference in order, with aligned runs, doubles) must give the same bits at every
/// distance, backwards and forwards, within the float64 reference's tolerance. The kernels are compiled with overflow
/// checks on, as in a project with CheckForOverflowUnderflow: a backward step is an unsigned number that wraps.
/// </summary>
public sealed class StoreDirectionTests
{
    private sealed record Case(string Name, string Attribute, string Type, string[] Parameters, int[] Shape, bool BatchNorm, bool Training);

    private static readonly Case[] Cases =
    [
        new("LayerNormPairs", "[LayerNorm(4, 520)]", "float", ["input", "weight", "bias", "output"], [4, 520], false, false),
        new("LayerNormOddGroup", "[LayerNorm(3, 300)]", "float", ["input", "output", "mean", "rstd"], [3, 300], false, false),
        new("LayerNormDoubles", "[LayerNorm(3, 333)]", "double", ["input", "weight", "output"], [3, 333], false, false),
        new("LayerNormStreamed", "[LayerNorm(2731, 768)]", "float", ["input", "weight", "bias", "output"], [2731, 768], false, false),
        new("LayerNormAligned", "[LayerNorm(16, 512)]", "float", ["input", "weight", "bias", "output"], [16, 512], false, false),
        new("LayerNormAlignedChunks", "[LayerNorm(17, 2048)]", "float", ["input", "bias", "output", "mean", "rstd"], [17, 2048], false, false),
        new("LayerNormAlignedDoubles", "[LayerNorm(16, 256)]", "double", ["input", "weight", "output"], [16, 256], false, false),
        new("LayerNormBatched", "[LayerNorm(40, 64)]", "float", ["input", "weight", "bias", "output", "mean", "rstd"], [40, 64], false, false),
        new("LayerNormBatchedLoops", "[LayerNorm(33, 128)]", "float", ["input", "bias", "output"], [33, 128], false, false),
        new("LayerNormBatchedDoubles", "[LayerNorm(17, 16)]", "double", ["input", "weight", "output"], [17, 16], false, false),
        new("LayerNormBatchedPartVectors", "[LayerNorm(35, 100)]", "float", ["input", "weight", "bias", "output"], [35, 100], false, false),
        new("BatchNormTraining", "[BatchNorm(3, 4, 300)]", "float", ["input", "weight", "bias", "runningMean", "runningVar", "output"], [3, 4, 300], true, true),
        new("BatchNormTrainingDoubles", "[BatchNorm(2, 3, 200)]", "double", ["input", "bias", "runningMean", "runningVar", "output"], [2, 3, 200], true, true),
        new("BatchNormInference", "[BatchNorm(3, 4, 300, Mode = BatchNormMode.Inference)]", "float", ["input", "weight", "bias", "runningMean", "runningVar", "output"], [3, 4, 300], true, false),
        new("BatchNormAlignedRuns", "[BatchNorm(2, 3, 400, Mode = BatchNormMode.Inference)]", "float", ["input", "weight", "runningMean", "runningVar", "output"], [2, 3, 400], true, false),
    ];

    /// <summary>Bytes from the input to the output modulo 4 KB: the first four backwards, the rest forwards.</summary>
    private static readonly int[] Distances = [8, 64, 1000, 2040, 0, 2048, 3000, 4088];

    private static readonly Lazy<CompiledKernels> Kernels = new(() => CompiledKernels.Compile(Cases.Select(k => new KernelDeclaration(
        k.Name, k.Attribute, k.Type, k.Parameters, k.Training ? null : ["runningMean", "runningVar"])), overflowChecks: true));

    public static TheoryData<string> Names() => new(Cases.Select(k => k.Name));

    public static TheoryData<string> NamesOutsideTheAlignedPlan() =>
        new(Cases.Select(k => k.Name).Where(name => !name.StartsWith("LayerNormAligned", StringComparison.Ordinal)));

    /// <summary>Every case has a store loop that picks its direction; the aligned ones take the aligned plan.</summary>
    [Theory]
    [MemberData(nameof(Names))]
    public void TheStoreLoopPicksItsDirection(string kernel)
    {
        string source = Kernels.Value.SourceOf(kernel);
        Assert.Contains("MemoryHints.StoreStep(ref inputRef, ref outputRef, ", source, StringComparison.Ordinal);
        Assert.Equal(kernel.StartsWith("LayerNormAligned", StringComparison.Ordinal), source.Contains("the stores alongside forwards too", StringComparison.Ordinal));
    }

    [Fact]
    public void StoreStepGoesBackwardsOnlyJustPastTheInput()
    {
        float[] buffer = new float[4096];
        foreach (int elements in Enumerable.Range(-1024, 2048))
        {
            // The output that many elements past the input (before it, when negative).
            int bytes = ((elements * sizeof(float) % 4096) + 4096) % 4096;
            nuint step = MemoryHints.StoreStep(ref buffer[2048], ref buffer[2048 + elements], 64);
            Assert.Equal(bytes is > 0 and < 2048 ? unchecked((nuint)(-64)) : 64, step);
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void EveryDistanceGivesTheSameBits(string kernel)
    {
        Case k = Cases.Single(c => c.Name == kernel);
        // One pinned array for every distance: the input stays where it is (the aligned plan's sums start from the
        // input's first element on a 64-byte line, so its last bits follow where the input lies); only the output moves.
        int length = k.Shape.Aggregate(1, (a, b) => a * b);
        int room = InputStart + length + (4096 / Size(k)) + length + 16;
        Array shared = k.Type == "float" ? GC.AllocateArray<float>(room, pinned: true) : GC.AllocateArray<double>(room, pinned: true);
        double[]? first = null;
        foreach (int distance in Distances)
        {
            double[] got = Run(k, shared, distance, out bool backwards);
            // The placement asks for the direction meant (the kernel's own choice shows only in its bits and its text).
            Assert.Equal(distance is > 0 and < 2048, backwards);
            first ??= got;
            AssertSameBits(first, got);
        }
    }

    private const int InputStart = 3;

    private static int Size(Case k) => k.Type == "float" ? sizeof(float) : sizeof(double);

    /// <summary>
    /// Outside LayerNorm's aligned plan, which sums from the input's first element on a 64-byte line, where the input
    /// lies changes no bit either: the input 3 to 18 elements into the array, the output 64 bytes (backwards) and 2 KB
    /// (forwards) past it.
    /// </summary>
    [Theory]
    [MemberData(nameof(NamesOutsideTheAlignedPlan))]
    public void WhereTheInputLiesChangesNoBit(string kernel)
    {
        Case k = Cases.Single(c => c.Name == kernel);
        int length = k.Shape.Aggregate(1, (a, b) => a * b);
        int room = InputStart + 16 + length + (4096 / Size(k)) + length;
        Array shared = k.Type == "float" ? GC.AllocateArray<float>(room, pinned: true) : GC.AllocateArray<double>(room, pinned: true);
        double[] first = Run(k, shared, 2048, out _);
        foreach (int start in Enumerable.Range(InputStart + 1, 15))
        {
            AssertSameBits(first, Run(k, shared, 2048, out _, start));
            AssertSameBits(first, Run(k, shared, 64, out _, start));
        }
    }

    /// <summary>Bit for bit (0.0 and -0.0 differ here).</summary>
    private static void AssertSameBits(double[] expected, double[] actual) =>
        Assert.Equal(expected.Select(BitConverter.DoubleToInt64Bits), actual.Select(BitConverter.DoubleToInt64Bits));

    /// <summary>
    /// Runs the kernel with its input at element <paramref name="inputStart"/> of <paramref name="shared"/> and its output
    /// <paramref name="distance"/> bytes past the input modulo 4 KB, after it; the rest of the array zero.
    /// </summary>
    private static double[] Run(Case k, Array shared, int distance, out bool backwards, int inputStart = InputStart)
    {
        var random = new Random(k.Name.Length);
        int length = k.Shape.Aggregate(1, (a, b) => a * b);
        int size = Size(k);
        int page = 4096 / size;
        int gap = ((((distance / size) - length) % page) + page) % page;
        int outputStart = inputStart + length + gap;
        Array.Clear(shared);

        BatchNormLayout layout = k.BatchNorm ? BatchNormLayout.Of(k.Shape, 1) : new BatchNormLayout(1, 1, 1);
        int affine = k.BatchNorm ? layout.Channels : k.Shape[^1];
        int groups = k.BatchNorm ? 0 : length / affine;
        double[] x = Exact(k, Enumerable.Range(0, length).Select(_ => 2 + Gaussian(random)));
        Array.Copy(Arrays.Of(k.Type, x), 0, shared, inputStart, length);
        var values = new Dictionary<string, double[]>
        {
            ["weight"] = Exact(k, Enumerable.Range(0, affine).Select(_ => 1 + (0.1 * Gaussian(random)))),
            ["bias"] = Exact(k, Enumerable.Range(0, affine).Select(_ => 0.1 * Gaussian(random))),
            ["runningMean"] = Exact(k, Enumerable.Range(0, affine).Select(_ => 2 + (0.5 * Gaussian(random)))),
            ["runningVar"] = Exact(k, Enumerable.Range(0, affine).Select(_ => 0.5 + random.NextDouble())),
        };

        var arguments = new List<(Array, int, int)>();
        var outputs = new List<Array>();
        foreach (string parameter in k.Parameters)
        {
            if (parameter == "input" || parameter == "output")
            {
                arguments.Add((shared, parameter == "input" ? inputStart : outputStart, length));
                continue;
            }

            Array array = values.TryGetValue(parameter, out double[]? v) ? Arrays.Of(k.Type, v) : Arrays.Zeros(k.Type, groups);
            arguments.Add((array, 0, array.Length));
            if (parameter is "mean" or "rstd" or "runningMean" or "runningVar")
            {
                outputs.Add(array);
            }
        }

        Kernels.Value.RunSlices(k.Name, [.. arguments]);
        backwards = Step(shared, inputStart, outputStart) != 64;

        double[] all = Arrays.ToDouble(shared);
        double[] output = all[outputStart..(outputStart + length)];
        double[]? weight = k.Parameters.Contains("weight") ? values["weight"] : null;
        double[]? bias = k.Parameters.Contains("bias") ? values["bias"] : null;
        double[] expected = !k.BatchNorm ? Reference.LayerNorm(x, groups, affine, 1e-5, weight, bias).Output
            : k.Training ? BatchNormReference.Training(x, layout, 1e-5, 0.1, weight, bias, null, null).Output
            : BatchNormReference.Inference(x, layout, 1e-5, weight, bias, values["runningMean"], values["runningVar"]);
        Assert.InRange(Reference.MaxAbsDifference(expected, output), 0, k.Type == "float" ? 2e-5 : 1e-12);
        Assert.Equal(x, all[inputStart..(inputStart + length)]);
        return [.. output, .. outputs.SelectMany(Arrays.ToDouble)];
    }

    private static nuint Step(Array shared, int input, int output) => shared switch
    {
        float[] f => MemoryHints.StoreStep(ref f[input], ref f[output], 64),
        double[] d => MemoryHints.StoreStep(ref d[input], ref d[output], 64),
        _ => throw new ArgumentException("float or double"),
    };

    private static double[] Exact(Case k, IEnumerable<double> values) => Arrays.ToDouble(Arrays.Of(k.Type, values));
}

using System.Runtime.CompilerServices;

namespace FixedNorm.Benchmarks;

/// <summary>What a peer's check found: the largest absolute difference from the generated kernel.</summary>
public readonly record struct PeerCheck(string Peer, double MaxDifference);

/// <summary>Compares a peer's numbers with the generated kernel's; throws past <see cref="Tolerance"/>.</summary>
public static class Agreement
{
    public const double Tolerance = 1e-4;

    public static double Check(string what, ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        if (expected.Length != actual.Length)
        {
            throw new InvalidOperationException($"{what}: {actual.Length} values where the generated kernel gave {expected.Length}.");
        }

        double max = 0;
        int worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double difference = Math.Abs((double)expected[i] - actual[i]);
            if (!(difference <= max))
            {
                // NaN lands here too and stays the worst.
                max = double.IsNaN(difference) ? double.PositiveInfinity : difference;
                worst = i;
            }
        }

        if (max > Tolerance)
        {
            throw new InvalidOperationException(
                $"{what} disagrees with the generated kernel: |difference| = {max:0.###e+00} > {Tolerance:0e+00} at index {worst} " +
                $"(generated {expected[worst]}, peer {actual[worst]}). Refusing to time a peer that computes something else.");
        }

        return max;
    }
}

/// <summary>Managed bytes a peer allocates per call, counted exactly on the calling thread.</summary>
public static class AllocationProbe
{
    public const int Calls = 4;

    public static double PerCall(Action peer)
    {
        peer();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Calls; i++)
        {
            peer();
        }

        return (GC.GetAllocatedBytesForCurrentThread() - before) / (double)Calls;
    }
}

/// <summary>The data and the five peers of one LayerNorm shape, set up once, outside anything timed.</summary>
public sealed class LayerNormWorkspace<TCase> : IDisposable
    where TCase : struct, ILayerNormCase
{
    // The shape as plain fields: naive and TensorPrimitives see it only at run time.
    private readonly int _rows = TCase.Rows;
    private readonly int _features = TCase.Features;

    public LayerNormWorkspace()
    {
        int length = _rows * _features;
        Input = Data.Normal(length, seed: 1);
        Weight = Data.Normal(_features, seed: 2, scale: 0.1f, offset: 1);
        Bias = Data.Normal(_features, seed: 3, scale: 0.1f);
        Output = new float[length];
        OrtOutput = new float[length];
        Ort = new OnnxRuntimePeer(
            TCase.Model,
            [("X", Input, [_rows, _features]), ("Scale", Weight, [_features]), ("B", Bias, [_features])],
            [("Y", OrtOutput, [_rows, _features])]);
    }

    public float[] Input { get; }

    public float[] Weight { get; }

    public float[] Bias { get; }

    public float[] Output { get; }

    public float[] OrtOutput { get; }

    public OnnxRuntimePeer Ort { get; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Naive() => NaivePeers.LayerNorm(Input, Weight, Bias, Output, _rows, _features, Data.Epsilon);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void TensorPrimitives() => TensorPrimitivesPeers.LayerNorm(Input, Weight, Bias, Output, _rows, _features, Data.Epsilon);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void OnnxRuntime() => Ort.Run();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void OnnxRuntimeSessionRun() => Ort.RunWithNames();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Generated() => TCase.Generated(Input, Weight, Bias, Output);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void CopyTo() => Input.AsSpan().CopyTo(Output);

    /// <summary>Runs every peer once and compares it with the generated kernel; throws on disagreement.</summary>
    public IReadOnlyList<PeerCheck> Validate()
    {
        string what = $"LayerNorm {TCase.Label}";
        Generated();
        float[] expected = (float[])Output.Clone();

        var checks = new List<PeerCheck>();
        Array.Clear(Output);
        Naive();
        checks.Add(new("naive", Agreement.Check($"{what} naive", expected, Output)));
        Array.Clear(Output);
        TensorPrimitives();
        checks.Add(new("TensorPrimitives", Agreement.Check($"{what} TensorPrimitives", expected, Output)));
        Array.Clear(OrtOutput);
        OnnxRuntime();
        checks.Add(new("ONNX Runtime", Agreement.Check($"{what} ONNX Runtime", expected, OrtOutput)));
        Array.Clear(OrtOutput);
        OnnxRuntimeSessionRun();
        checks.Add(new("ONNX Runtime session.Run", Agreement.Check($"{what} ONNX Runtime session.Run", expected, OrtOutput)));
        return checks;
    }

    /// <summary>Bytes per call of naive, TensorPrimitives, ONNX Runtime (binding), ONNX Runtime (session.Run), generated, CopyTo.</summary>
    public double[] Allocations() =>
        [.. new Action[] { Naive, TensorPrimitives, OnnxRuntime, OnnxRuntimeSessionRun, Generated, CopyTo }.Select(AllocationProbe.PerCall)];

    public void Dispose() => Ort.Dispose();
}

/// <summary>The data and the five peers of one BatchNorm shape in one mode, set up once.</summary>
public sealed class BatchNormWorkspace<TCase> : IDisposable
    where TCase : struct, IBatchNormCase
{
    private readonly int _outer;
    private readonly int _channels;
    private readonly int _inner;
    private readonly bool _training;
    private readonly bool _channelsLast;
    private readonly float[] _initialMean;
    private readonly float[] _initialVar;

    public BatchNormWorkspace(bool training)
    {
        _training = training;
        int[] shape = TCase.Shape;
        BatchNormLayout layout = BatchNormLayout.Of(shape, TCase.ChannelAxis);
        (_outer, _channels, _inner) = (layout.Outer, layout.Channels, layout.Inner);
        _channelsLast = layout.Inner == 1 && shape.Length > 2;

        Input = Data.Normal(layout.Length, seed: 11);
        Weight = Data.Normal(_channels, seed: 12, scale: 0.1f, offset: 1);
        Bias = Data.Normal(_channels, seed: 13, scale: 0.1f);
        Output = new float[layout.Length];
        Scratch = new float[TensorPrimitivesPeers.BatchNormScratch(layout)];

        // Inference normalizes with trained-looking statistics; training starts from a new module's (0, 1).
        _initialMean = training ? new float[_channels] : Data.Normal(_channels, seed: 14, scale: 0.1f);
        _initialVar = training ? Enumerable.Repeat(1f, _channels).ToArray() : Data.Uniform(_channels, seed: 15, 0.5f, 1.5f);
        RunningMean = (float[])_initialMean.Clone();
        RunningVar = (float[])_initialVar.Clone();

        // ONNX Runtime: channels-first only, so a channels-last shape is given to it transposed to NCHW.
        long[] ortShape = _channelsLast
            ? [shape[0], _channels, .. shape[1..^1].Select(d => (long)d)]
            : shape.Select(d => (long)d).ToArray();
        OrtInput = _channelsLast ? BatchNormLayout.ToChannelsFirst(Input, shape[0], _channels) : Input;
        OrtOutput = new float[layout.Length];
        OrtRunningMean = new float[_channels];
        OrtRunningVar = new float[_channels];
        long[] perChannel = [_channels];
        (string, float[], long[])[] inputs =
        [
            ("X", OrtInput, ortShape), ("scale", Weight, perChannel), ("B", Bias, perChannel),
            ("input_mean", _initialMean, perChannel), ("input_var", _initialVar, perChannel),
        ];
        Ort = training
            ? new OnnxRuntimePeer($"batchnorm_train_{TCase.ModelSuffix}.onnx", inputs,
                [("Y", OrtOutput, ortShape), ("running_mean", OrtRunningMean, perChannel), ("running_var", OrtRunningVar, perChannel)])
            : new OnnxRuntimePeer($"batchnorm_infer_{TCase.ModelSuffix}.onnx", inputs, [("Y", OrtOutput, ortShape)]);
    }

    public float[] Input { get; }

    public float[] Weight { get; }

    public float[] Bias { get; }

    public float[] RunningMean { get; }

    public float[] RunningVar { get; }

    public float[] Output { get; }

    public float[] Scratch { get; }

    /// <summary>The input ONNX Runtime reads: <see cref="Input"/>, or its NCHW transpose for a channels-last shape.</summary>
    public float[] OrtInput { get; }

    public float[] OrtOutput { get; }

    public float[] OrtRunningMean { get; }

    public float[] OrtRunningVar { get; }

    public OnnxRuntimePeer Ort { get; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Naive()
    {
        if (_training)
        {
            NaivePeers.BatchNormTraining(Input, Weight, Bias, RunningMean, RunningVar, Output, _outer, _channels, _inner, Data.Epsilon, Data.Momentum);
        }
        else
        {
            NaivePeers.BatchNormInference(Input, Weight, Bias, RunningMean, RunningVar, Output, _outer, _channels, _inner, Data.Epsilon);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void TensorPrimitives()
    {
        if (_training)
        {
            TensorPrimitivesPeers.BatchNormTraining(Input, Weight, Bias, RunningMean, RunningVar, Output, _outer, _channels, _inner, Data.Epsilon, Data.Momentum, Scratch);
        }
        else
        {
            TensorPrimitivesPeers.BatchNormInference(Input, Weight, Bias, RunningMean, RunningVar, Output, _outer, _channels, _inner, Data.Epsilon, Scratch);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void OnnxRuntime() => Ort.Run();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void OnnxRuntimeSessionRun() => Ort.RunWithNames();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void GeneratedInference() => TCase.Infer(Input, Weight, Bias, RunningMean, RunningVar, Output);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void GeneratedTraining() => TCase.Train(Input, Weight, Bias, RunningMean, RunningVar, Output);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void CopyTo() => Input.AsSpan().CopyTo(Output);

    /// <summary>Runs every peer once from the same running statistics and compares it with the generated kernel.</summary>
    public IReadOnlyList<PeerCheck> Validate()
    {
        string what = $"BatchNorm {(_training ? "training" : "inference")} {TCase.Label}";
        ResetRunningStatistics();
        if (_training)
        {
            GeneratedTraining();
        }
        else
        {
            GeneratedInference();
        }

        float[] expected = (float[])Output.Clone();
        float[] expectedMean = (float[])RunningMean.Clone();
        float[] expectedVar = (float[])RunningVar.Clone();

        var checks = new List<PeerCheck>();
        ResetRunningStatistics();
        Array.Clear(Output);
        Naive();
        checks.Add(new("naive", CheckAll($"{what} naive", expected, expectedMean, expectedVar, Output, RunningMean, RunningVar)));

        ResetRunningStatistics();
        Array.Clear(Output);
        TensorPrimitives();
        checks.Add(new("TensorPrimitives", CheckAll($"{what} TensorPrimitives", expected, expectedMean, expectedVar, Output, RunningMean, RunningVar)));

        foreach ((string peer, Action run) in new (string, Action)[] { ("ONNX Runtime", OnnxRuntime), ("ONNX Runtime session.Run", OnnxRuntimeSessionRun) })
        {
            ResetRunningStatistics();
            Array.Clear(OrtOutput);
            Array.Clear(OrtRunningMean);
            Array.Clear(OrtRunningVar);
            run();
            float[] ortOutput = _channelsLast ? BatchNormLayout.ToChannelsLast(OrtOutput, TCase.Shape[0], _channels) : OrtOutput;
            checks.Add(new(peer, _training
                ? CheckAll($"{what} {peer}", expected, expectedMean, expectedVar, ortOutput, OrtRunningMean, OrtRunningVar)
                : Agreement.Check($"{what} {peer}", expected, ortOutput)));
        }

        ResetRunningStatistics();
        return checks;
    }

    /// <summary>Bytes per call of naive, TensorPrimitives, ONNX Runtime (binding), ONNX Runtime (session.Run), generated, CopyTo.</summary>
    public double[] Allocations() =>
        [.. new Action[] { Naive, TensorPrimitives, OnnxRuntime, OnnxRuntimeSessionRun, _training ? GeneratedTraining : GeneratedInference, CopyTo }.Select(AllocationProbe.PerCall)];

    public void Dispose() => Ort.Dispose();

    private double CheckAll(string what, float[] expected, float[] expectedMean, float[] expectedVar,
        float[] output, float[] runningMean, float[] runningVar)
    {
        double max = Agreement.Check(what, expected, output);
        if (_training)
        {
            max = Math.Max(max, Agreement.Check($"{what} runningMean", expectedMean, runningMean));
            max = Math.Max(max, Agreement.Check($"{what} runningVar", expectedVar, runningVar));
        }

        return max;
    }

    private void ResetRunningStatistics()
    {
        _initialMean.CopyTo(RunningMean, 0);
        _initialVar.CopyTo(RunningVar, 0);
    }
}

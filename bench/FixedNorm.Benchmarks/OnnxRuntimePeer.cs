using Microsoft.ML.OnnxRuntime;

namespace FixedNorm.Benchmarks;

/// <summary>
/// Peer 3: ONNX Runtime (CPU execution provider) running one of the one-node models of bench/models.
/// One thread: intra- and inter-op pools of 1, sequential execution. The session, the run options, an
/// <see cref="OrtIoBinding"/> and every input and output <see cref="OrtValue"/> are created once, over the
/// caller's managed arrays (pinned, no copy), so a call only crosses into native code and runs the graph.
/// </summary>
public sealed class OnnxRuntimePeer : IDisposable
{
    private readonly SessionOptions _options;
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions;
    private readonly OrtIoBinding _binding;
    private readonly string[] _inputNames;
    private readonly OrtValue[] _inputs;
    private readonly string[] _outputNames;
    private readonly OrtValue[] _outputs;

    public OnnxRuntimePeer(string model, IReadOnlyList<(string Name, float[] Data, long[] Shape)> inputs,
        IReadOnlyList<(string Name, float[] Data, long[] Shape)> outputs)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "models", model);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"ONNX model {path} is missing: run /usr/bin/python3 bench/models/make_models.py and rebuild.", path);
        }

        _options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _session = new InferenceSession(path, _options);
        _runOptions = new RunOptions();
        _inputNames = [.. inputs.Select(i => i.Name)];
        _inputs = [.. inputs.Select(i => OrtValue.CreateTensorValueFromMemory(i.Data, i.Shape))];
        _outputNames = [.. outputs.Select(o => o.Name)];
        _outputs = [.. outputs.Select(o => OrtValue.CreateTensorValueFromMemory(o.Data, o.Shape))];
        _binding = _session.CreateIoBinding();
        for (int i = 0; i < _inputs.Length; i++)
        {
            _binding.BindInput(_inputNames[i], _inputs[i]);
        }

        for (int i = 0; i < _outputs.Length; i++)
        {
            _binding.BindOutput(_outputNames[i], _outputs[i]);
        }
    }

    /// <summary>
    /// One inference through the I/O binding (<see cref="InferenceSession.RunWithBinding(RunOptions, OrtIoBinding)"/>):
    /// reads the input arrays, writes the output arrays, allocates nothing.
    /// </summary>
    public void Run() => _session.RunWithBinding(_runOptions, _binding);

    /// <summary>
    /// The same inference through <c>session.Run(runOptions, inputNames, inputValues, outputNames, outputValues)</c>
    /// with the same pre-created values: the managed wrapper allocates a little per call, so <see cref="Run"/> is the peer.
    /// </summary>
    public void RunWithNames() => _session.Run(_runOptions, _inputNames, _inputs, _outputNames, _outputs);

    public void Dispose()
    {
        _binding.Dispose();
        foreach (OrtValue value in _inputs.Concat(_outputs))
        {
            value.Dispose();
        }

        _runOptions.Dispose();
        _session.Dispose();
        _options.Dispose();
    }
}

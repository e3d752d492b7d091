using BenchmarkDotNet.Attributes;

namespace FixedNorm.Benchmarks;

/// <summary>LayerNorm, affine, float: the five peers on one shape.</summary>
[GenericTypeArguments(typeof(LayerNorm8x3))]
[GenericTypeArguments(typeof(LayerNorm64x768))]
[GenericTypeArguments(typeof(LayerNorm32x4096))]
[GenericTypeArguments(typeof(LayerNorm16384x768))]
public class LayerNormBenchmarks<TCase>
    where TCase : struct, ILayerNormCase
{
    private LayerNormWorkspace<TCase> _workspace = null!;

    /// <summary>The row label of the ratio table.</summary>
    public static string Label => $"LayerNorm {TCase.Label}";

    [GlobalSetup]
    public void Setup()
    {
        _workspace = new LayerNormWorkspace<TCase>();
        _workspace.Validate();
    }

    [GlobalCleanup]
    public void Cleanup() => _workspace.Dispose();

    [Benchmark]
    public void Naive() => _workspace.Naive();

    [Benchmark]
    public void TensorPrimitives() => _workspace.TensorPrimitives();

    [Benchmark]
    public void OnnxRuntime() => _workspace.OnnxRuntime();

    [Benchmark]
    public void OnnxRuntimeSessionRun() => _workspace.OnnxRuntimeSessionRun();

    [Benchmark(Baseline = true)]
    public void Generated() => _workspace.Generated();

    [Benchmark]
    public void CopyTo() => _workspace.CopyTo();
}

/// <summary>BatchNorm inference (running statistics), affine, float: the five peers on one shape.</summary>
[GenericTypeArguments(typeof(BatchNorm8x3))]
[GenericTypeArguments(typeof(BatchNorm256x64))]
[GenericTypeArguments(typeof(BatchNorm32x64x128))]
[GenericTypeArguments(typeof(BatchNorm16x32x32x64ChannelsLast))]
public class BatchNormInferenceBenchmarks<TCase>
    where TCase : struct, IBatchNormCase
{
    private BatchNormWorkspace<TCase> _workspace = null!;

    public static string Label => $"BatchNorm inference {TCase.Label}";

    [GlobalSetup]
    public void Setup()
    {
        _workspace = new BatchNormWorkspace<TCase>(training: false);
        _workspace.Validate();
    }

    [GlobalCleanup]
    public void Cleanup() => _workspace.Dispose();

    [Benchmark]
    public void Naive() => _workspace.Naive();

    [Benchmark]
    public void TensorPrimitives() => _workspace.TensorPrimitives();

    [Benchmark]
    public void OnnxRuntime() => _workspace.OnnxRuntime();

    [Benchmark]
    public void OnnxRuntimeSessionRun() => _workspace.OnnxRuntimeSessionRun();

    [Benchmark(Baseline = true)]
    public void Generated() => _workspace.GeneratedInference();

    [Benchmark]
    public void CopyTo() => _workspace.CopyTo();
}

/// <summary>BatchNorm training (batch statistics, running statistics updated), affine, float: the five peers on one shape.</summary>
[GenericTypeArguments(typeof(BatchNorm8x3))]
[GenericTypeArguments(typeof(BatchNorm256x64))]
[GenericTypeArguments(typeof(BatchNorm32x64x128))]
[GenericTypeArguments(typeof(BatchNorm16x32x32x64ChannelsLast))]
public class BatchNormTrainingBenchmarks<TCase>
    where TCase : struct, IBatchNormCase
{
    private BatchNormWorkspace<TCase> _workspace = null!;

    public static string Label => $"BatchNorm training {TCase.Label}";

    [GlobalSetup]
    public void Setup()
    {
        _workspace = new BatchNormWorkspace<TCase>(training: true);
        _workspace.Validate();
    }

    [GlobalCleanup]
    public void Cleanup() => _workspace.Dispose();

    [Benchmark]
    public void Naive() => _workspace.Naive();

    [Benchmark]
    public void TensorPrimitives() => _workspace.TensorPrimitives();

    [Benchmark]
    public void OnnxRuntime() => _workspace.OnnxRuntime();

    [Benchmark]
    public void OnnxRuntimeSessionRun() => _workspace.OnnxRuntimeSessionRun();

    [Benchmark(Baseline = true)]
    public void Generated() => _workspace.GeneratedTraining();

    [Benchmark]
    public void CopyTo() => _workspace.CopyTo();
}

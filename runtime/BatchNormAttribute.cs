namespace FixedNorm;

/// <summary>
/// Asks the FixedNorm generator to implement a <c>partial</c> method as a batch-normalization kernel
/// specialized to one tensor shape, with the numbers of <c>torch.nn.BatchNorm1d/2d/3d</c>: statistics
/// per channel over every axis but <see cref="ChannelAxis"/>.
/// </summary>
/// <remarks>
/// Parameters bind by name, in any order: <c>input</c> (<c>ReadOnlySpan&lt;T&gt;</c>) and <c>output</c>
/// (<c>Span&lt;T&gt;</c>, may be the same memory as <c>input</c>) are required; <c>weight</c> and
/// <c>bias</c> (<c>ReadOnlySpan&lt;T&gt;</c>, one value per channel) are optional. In
/// <see cref="BatchNormMode.Training"/>, <c>runningMean</c> and <c>runningVar</c> (<c>Span&lt;T&gt;</c>,
/// both or neither) are updated in place, and <c>mean</c> and <c>rstd</c> (<c>Span&lt;T&gt;</c>, optional)
/// receive the batch statistics used. In <see cref="BatchNormMode.Inference"/>, <c>runningMean</c> and
/// <c>runningVar</c> (<c>ReadOnlySpan&lt;T&gt;</c>) are required. T is <c>float</c> or <c>double</c>.
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class BatchNormAttribute : Attribute
{
    /// <summary>Declares the input's shape, such as (N, C), (N, C, L), (N, C, H, W) or (N, C, D, H, W).</summary>
    /// <param name="shape">The dimensions, outermost first; each must be positive; rank at least 2.</param>
    public BatchNormAttribute(params int[] shape) => Shape = shape;

    /// <summary>The input's shape, outermost dimension first (row-major memory).</summary>
    public int[] Shape { get; }

    /// <summary>The channel axis; statistics run over every other axis. Default 1; -1 means channels-last.</summary>
    public int ChannelAxis { get; set; } = 1;

    /// <summary>Added to the variance before the square root. Default 1e-5, as in PyTorch.</summary>
    public double Epsilon { get; set; } = 1e-5;

    /// <summary>
    /// PyTorch's momentum, in [0, 1]: running = (1 - Momentum) * running + Momentum * batch. Default 0.1.
    /// (ONNX's momentum is the weight of the old value: ONNX 0.9 is 0.1 here.)
    /// </summary>
    public double Momentum { get; set; } = 0.1;

    /// <summary>Training (batch statistics, running statistics updated) or Inference (running statistics). Default Training.</summary>
    public BatchNormMode Mode { get; set; } = BatchNormMode.Training;

    /// <summary>The variance folded into runningVar in training: Unbiased (PyTorch, the default) or Population (ONNX).</summary>
    public BatchNormRunningVariance RunningVariance { get; set; } = BatchNormRunningVariance.Unbiased;
}

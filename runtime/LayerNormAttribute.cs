namespace FixedNorm;

/// <summary>
/// Asks the FixedNorm generator to implement a <c>partial</c> method as a layer-normalization
/// kernel specialized to one tensor shape, with the numbers of
/// <c>torch.nn.functional.layer_norm</c>: y = (x - mean) / sqrt(var + eps) * weight + bias,
/// where mean and the biased variance are taken over the axes [<see cref="Axis"/>, rank).
/// </summary>
/// <remarks>
/// Parameters bind by name, in any order: <c>input</c> (<c>ReadOnlySpan&lt;T&gt;</c>, required),
/// <c>output</c> (<c>Span&lt;T&gt;</c>, required, may be the same memory as <c>input</c>),
/// <c>weight</c> and <c>bias</c> (<c>ReadOnlySpan&lt;T&gt;</c>, optional, one value per normalized element),
/// <c>mean</c> and <c>rstd</c> (<c>Span&lt;T&gt;</c>, optional, one value per normalized group).
/// T is <c>float</c> or <c>double</c>.
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class LayerNormAttribute : Attribute
{
    /// <summary>Declares the input tensor's shape, outermost dimension first (row-major).</summary>
    /// <param name="shape">The dimensions; each must be positive.</param>
    public LayerNormAttribute(params int[] shape) => Shape = shape;

    /// <summary>The input tensor's shape, outermost dimension first.</summary>
    public int[] Shape { get; }

    /// <summary>
    /// The first normalized axis (ONNX's <c>axis</c>): normalization runs over axes [Axis, rank).
    /// Negative values count from the end. Default -1: the last axis only.
    /// </summary>
    public int Axis { get; set; } = -1;

    /// <summary>Added to the variance before the square root. Default 1e-5, as in PyTorch.</summary>
    public double Epsilon { get; set; } = 1e-5;
}

namespace FixedNorm.Generator.Model;

/// <summary>What one annotated method asks for, validated: the input to planning and emitting.</summary>
/// <param name="Element">float or double.</param>
/// <param name="Shape">The tensor shape, outermost dimension first.</param>
/// <param name="Epsilon">Added to the variance before the square root.</param>
internal abstract record KernelSpec(ElementType Element, EquatableArray<int> Shape, double Epsilon);

/// <summary>A LayerNorm kernel: normalizes over axes [<paramref name="Axis"/>, rank).</summary>
/// <param name="Axis">The first normalized axis, already made non-negative.</param>
internal sealed record LayerNormSpec(
    ElementType Element,
    EquatableArray<int> Shape,
    double Epsilon,
    int Axis,
    bool HasWeight,
    bool HasBias,
    bool HasMean,
    bool HasRstd)
    : KernelSpec(Element, Shape, Epsilon);

/// <summary>
/// A BatchNorm kernel: statistics per channel (axis <paramref name="ChannelAxis"/>) over every other axis.
/// </summary>
/// <param name="ChannelAxis">The channel axis, already made non-negative.</param>
/// <param name="Momentum">PyTorch's convention: running = (1 - momentum) * running + momentum * batch.</param>
/// <param name="Training">Batch statistics (and running updates) when true; running statistics when false.</param>
/// <param name="UnbiasedRunningVariance">Fold the unbiased (PyTorch) or the population (ONNX) variance into runningVar.</param>
internal sealed record BatchNormSpec(
    ElementType Element,
    EquatableArray<int> Shape,
    double Epsilon,
    int ChannelAxis,
    double Momentum,
    bool Training,
    bool UnbiasedRunningVariance,
    bool HasWeight,
    bool HasBias,
    bool HasRunningStatistics,
    bool HasMean,
    bool HasRstd)
    : KernelSpec(Element, Shape, Epsilon);

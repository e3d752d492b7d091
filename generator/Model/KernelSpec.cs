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

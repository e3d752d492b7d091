namespace FixedNorm.Generator.Parsing;

/// <summary>Which span type a kernel parameter must have.</summary>
internal enum SpanKind
{
    /// <summary><c>ReadOnlySpan&lt;T&gt;</c>: the kernel only reads it.</summary>
    ReadOnly,

    /// <summary><c>Span&lt;T&gt;</c>: the kernel writes it.</summary>
    Writable,
}

/// <summary>One parameter a kernel understands, bound by its name; <paramref name="Why"/> explains its span type when that is not obvious.</summary>
internal sealed record ParameterRule(string Name, SpanKind Kind, bool Required, string? Why = null);

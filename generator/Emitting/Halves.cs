namespace FixedNorm.Generator.Emitting;

/// <summary>Double lanes of a vector class: two halves (Lo, Hi) for float blocks, one for double blocks.</summary>
internal sealed record Halves(SourceWriter Writer, string Vector, bool IsFloat)
{
    public string[] Names { get; } = IsFloat ? ["Lo", "Hi"] : [""];

    /// <summary>Writes <see cref="WidenLine"/>.</summary>
    public void Widen(string name, string expression) => Writer.Line(WidenLine(name, expression));

    /// <summary>"(var nameLo, var nameHi) = V.Widen(expression);" or "var name = expression;".</summary>
    public string WidenLine(string name, string expression) => IsFloat
        ? $"(var {name}Lo, var {name}Hi) = {Vector}.Widen({expression});"
        : $"var {name} = {expression};";

    /// <summary>"V.Narrow(partLo, partHi)" or the one part.</summary>
    public string Narrow(Func<string, string> part) => IsFloat ? $"{Vector}.Narrow({part("Lo")}, {part("Hi")})" : part("");
}

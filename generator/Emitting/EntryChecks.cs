using FixedNorm.Generator.Model;

namespace FixedNorm.Generator.Emitting;

/// <summary>A span parameter a kernel takes: its name, the length the shape requires, and whether it is written.</summary>
internal sealed record SpanParameter(string Name, int Length, bool Written);

/// <summary>
/// Writes the checks at a kernel's entry: one length check per span, then one overlap check per pair
/// that includes a written span. All run before anything is written.
/// </summary>
internal static class EntryChecks
{
    public static void Emit(SourceWriter writer, ElementType element, IReadOnlyList<SpanParameter> spans)
    {
        foreach (SpanParameter span in spans)
        {
            writer.Line($"{Names.ThrowHelper}.CheckLength({span.Name}.Length, {span.Length}, \"{span.Name}\");");
        }

        string type = element.Keyword();
        for (int i = 0; i < spans.Count; i++)
        {
            for (int j = 0; j < spans.Count; j++)
            {
                SpanParameter written = spans[i];
                SpanParameter other = spans[j];

                // Each pair once: a written span against every read-only span, and against written spans before it.
                if (!written.Written || i == j || (other.Written && j > i))
                {
                    continue;
                }

                string check = written.Name == "output" && other.Name == "input" ? "CheckSameOrNoOverlap" : "CheckNoOverlap";
                writer.Line($"{Names.ThrowHelper}.{check}<{type}>({written.Name}, {other.Name}, \"{written.Name}\", \"{other.Name}\");");
            }
        }
    }

    /// <summary>Declares "ref float inputRef = ref MemoryMarshal.GetReference(input);" for each span.</summary>
    public static void EmitReferences(SourceWriter writer, ElementType element, IReadOnlyList<SpanParameter> spans)
    {
        foreach (SpanParameter span in spans)
        {
            writer.Line($"ref {element.Keyword()} {span.Name}Ref = ref {Names.MemoryMarshal}.GetReference({span.Name});");
        }
    }
}

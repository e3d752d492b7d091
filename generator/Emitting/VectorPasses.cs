using FixedNorm.Generator.Model;
using FixedNorm.Generator.Planning;

namespace FixedNorm.Generator.Emitting;

/// <summary>
/// Writes passes over a contiguous run of elements with compile-time layout (see <see cref="SegmentLayout"/>):
/// sums over vectors with independent accumulators, and element-wise stores.
/// </summary>
internal sealed class VectorPasses(SourceWriter writer, ElementType element, VectorWidth width)
{
    private string T => element.Keyword();

    /// <summary>
    /// Writes one code path per vector width: "if (Vector512.IsHardwareAccelerated) { ... } else if
    /// (Vector256...) { ... } else { Vector128 }". The JIT folds the tests and keeps one path.
    /// </summary>
    public static void EmitPerWidth(SourceWriter writer, Action<VectorWidth> emitPath)
    {
        writer.Line();
        for (int i = 0; i < VectorWidth.All.Length; i++)
        {
            VectorWidth width = VectorWidth.All[i];
            bool last = i == VectorWidth.All.Length - 1;
            string header = last ? "else" : $"{(i == 0 ? "if" : "else if")} ({width.Class}.IsHardwareAccelerated)";
            using (writer.Block(header))
            {
                if (last)
                {
                    writer.Line("// Vector128: also correct, if slower, where it is not accelerated.");
                }

                emitPath(width);
            }
        }
    }

    /// <summary>"Vector512.LoadUnsafe(ref x)" or "Vector512.LoadUnsafe(ref x, offset)".</summary>
    public static string Load(string vectorClass, string reference, string offset) =>
        offset == "0" ? $"{vectorClass}.LoadUnsafe(ref {reference})" : $"{vectorClass}.LoadUnsafe(ref {reference}, {offset})";

    /// <summary>"Vector512.StoreUnsafe(value, ref y)" or with an offset.</summary>
    public static string Store(string vectorClass, string value, string reference, string offset) =>
        offset == "0" ? $"{vectorClass}.StoreUnsafe({value}, ref {reference});" : $"{vectorClass}.StoreUnsafe({value}, ref {reference}, {offset});";

    /// <summary>
    /// Adds <c>term(vector at offset)</c> over [0, length) into the double <paramref name="total"/>, chunk by chunk.
    /// <paramref name="term"/> gets the vector class (such as Vector512) and the offset expression, and returns
    /// the vector to add; with <paramref name="squared"/> its square is added.
    /// </summary>
    public void Sum(string total, int length, bool squared, Func<string, string, string> vectorTerm, Func<string, string> scalarTerm)
    {
        int fullChunks = length > Limits.SumChunk ? length / Limits.SumChunk : 0;
        if (fullChunks > 0)
        {
            int chunkedEnd = fullChunks * Limits.SumChunk;
            using (writer.Block($"for (nuint chunk = 0; chunk < {chunkedEnd}; chunk += {Limits.SumChunk})"))
            {
                SumSegment(total, SegmentLayout.Create(0, Limits.SumChunk, width, element), "chunk", squared, vectorTerm, scalarTerm);
            }
        }

        int rest = length - (fullChunks * Limits.SumChunk);
        if (rest > 0)
        {
            using (writer.Block())
            {
                SumSegment(total, SegmentLayout.Create(fullChunks * Limits.SumChunk, rest, width, element), null, squared, vectorTerm, scalarTerm);
            }
        }
    }

    /// <summary>Writes <c>store(vector class, offset)</c> for every vector and element of [0, length).</summary>
    public void ForEach(int length, Func<string, string, string> vectorStatement, Func<string, string> scalarStatement)
    {
        SegmentLayout layout = SegmentLayout.Create(0, length, width, element);
        EmitLoop(layout, null, (offset, _) => writer.Line(vectorStatement(width.Class, offset)));
        foreach (Piece piece in layout.After)
        {
            string offset = Literals.Int(piece.Offset);
            writer.Line(piece.Width is null ? scalarStatement(offset) : vectorStatement(piece.Width.Class, offset));
        }
    }

    private void SumSegment(
        string total,
        SegmentLayout layout,
        string? chunkStart,
        bool squared,
        Func<string, string, string> vectorTerm,
        Func<string, string> scalarTerm)
    {
        string vectorType = width.Type(element);
        int accumulators = Math.Min(layout.Unroll, layout.FullVectorCount);
        if (accumulators > 0)
        {
            writer.Line($"{vectorType} {string.Join(", ", Enumerable.Range(0, accumulators).Select(k => $"acc{k} = default"))};");
        }

        EmitLoop(layout, chunkStart, (offset, k) => Accumulate($"acc{k}", width.Class, offset, $"d{k}", squared, vectorTerm));

        int single = 0;
        foreach (Piece piece in layout.After)
        {
            string offset = Literals.Int(piece.Offset);
            if (piece.Width is null)
            {
                if (squared)
                {
                    writer.Line($"{T} d{offset} = {scalarTerm(offset)};");
                    writer.Line($"{total} += d{offset} * d{offset};");
                }
                else
                {
                    writer.Line($"{total} += {scalarTerm(offset)};");
                }
            }
            else if (piece.Width == width)
            {
                Accumulate($"acc{single++}", width.Class, offset, $"d{offset}", squared, vectorTerm);
            }
            else
            {
                string term = vectorTerm(piece.Width.Class, offset);
                if (squared)
                {
                    writer.Line($"var d{offset} = {term};");
                    term = $"d{offset} * d{offset}";
                }

                writer.Line($"{total} += {piece.Width.Class}.Sum({term});");
            }
        }

        if (accumulators > 0)
        {
            writer.Line($"{total} += {width.Class}.Sum({PairwiseSum(Enumerable.Range(0, accumulators).Select(k => "acc" + k).ToList())});");
        }
    }

    private void Accumulate(string accumulator, string vectorClass, string offset, string temp, bool squared, Func<string, string, string> vectorTerm)
    {
        string term = vectorTerm(vectorClass, offset);
        if (squared)
        {
            writer.Line($"var {temp} = {term};");
            writer.Line($"{accumulator} += {temp} * {temp};");
        }
        else
        {
            writer.Line($"{accumulator} += {term};");
        }
    }

    /// <summary>
    /// The loop over full vectors: <c>for (nuint i = start; i &lt; end; i += stride)</c> with <see cref="Limits.Accumulators"/>
    /// vectors per iteration, or the same statements with constant offsets when there is one iteration.
    /// </summary>
    private void EmitLoop(SegmentLayout layout, string? chunkStart, Action<string, int> emitVector)
    {
        if (layout.LoopIterations == 0)
        {
            return;
        }

        if (layout.LoopIterations == 1 && chunkStart is null)
        {
            for (int k = 0; k < layout.Unroll; k++)
            {
                emitVector(Literals.Int(layout.Start + (k * layout.Lanes)), k);
            }

            return;
        }

        string start = chunkStart ?? Literals.Int(layout.Start);
        string end = chunkStart is null ? Literals.Int(layout.LoopEnd) : $"{chunkStart} + {layout.LoopEnd - layout.Start}";
        using (writer.Block($"for (nuint i = {start}; i < {end}; i += {layout.LoopStride})"))
        {
            for (int k = 0; k < layout.Unroll; k++)
            {
                emitVector(k == 0 ? "i" : $"i + {k * layout.Lanes}", k);
            }
        }
    }

    /// <summary>"(acc0 + acc1) + (acc2 + acc3)": a balanced sum of the accumulators.</summary>
    private static string PairwiseSum(List<string> terms)
    {
        if (terms.Count == 1)
        {
            return terms[0];
        }

        int half = (terms.Count + 1) / 2;
        return $"{Grouped(terms.GetRange(0, half))} + {Grouped(terms.GetRange(half, terms.Count - half))}";
    }

    private static string Grouped(List<string> terms) => terms.Count == 1 ? terms[0] : $"({PairwiseSum(terms)})";
}

using FixedNorm.Generator.Model;
using FixedNorm.Generator.Planning;

namespace FixedNorm.Generator.Emitting;

// Sum passes: terms, squares and deviations, or raw values widened, added chunk by chunk into double totals.
internal sealed partial class VectorPasses
{
    /// <summary>
    /// Adds <c>term(vector class, offset)</c> over [0, length) into the double <paramref name="total"/>, chunk by chunk
    /// (<see cref="Limits.SumChunk"/> elements), so rounding error does not grow with the length.
    /// </summary>
    public void Sum(string total, int length, Func<string, string, string> vectorTerm, Func<string, string> scalarTerm) =>
        SumChunks(length, (layout, chunkStart) => SumSegment(layout, chunkStart, SumMode.Plain, total, null, vectorTerm, scalarTerm));

    /// <summary>
    /// Adds d * d into <paramref name="squares"/> for d = <c>term</c> over [0, length), and d into
    /// <paramref name="deviations"/> when given: the corrected two-pass algorithm, whose sum of deviations measures
    /// (and lets the caller remove) the rounding left in the mean. <paramref name="alongside"/>, when given, is another
    /// group's store pass in the same loop: its vectors loaded at the top of each loop step, each stored after the sum of
    /// the vector at its offset. <paramref name="extra"/>
    /// are more full-width terms (a local's name, its expression), added into the last segment's accumulators.
    /// </summary>
    public void SumOfSquares(
        string squares,
        string? deviations,
        int length,
        Func<string, string, string> vectorTerm,
        Func<string, string> scalarTerm,
        StoreAlongside? alongside = null,
        IReadOnlyList<(string Name, string Term)>? extra = null) =>
        SumChunks(
            length,
            (layout, chunkStart) => SumSegment(
                layout,
                chunkStart,
                deviations is null ? SumMode.Squares : SumMode.SquaresAndDeviations,
                squares,
                deviations,
                vectorTerm,
                scalarTerm,
                alongside,
                chunkStart is null ? extra : null),
            lastSegmentNeeded: extra is { Count: > 0 });

    /// <summary>Adds the raw elements of <paramref name="reference"/>[0, length) into <paramref name="total"/> in double lanes (float widened).</summary>
    public void SumWide(string total, int length, string reference) =>
        SumChunks(length, (layout, chunkStart) => SumSegment(
            layout, chunkStart, SumMode.Wide, total, null,
            (vector, offset) => Load(vector, reference, offset),
            offset => offset == "0" ? reference : $"{Names.Unsafe}.Add(ref {reference}, {offset})"));

    /// <summary>
    /// Float kernels only: when the float squares overflowed (|x - mean| beyond about 1e18, where PyTorch's float32 kernels
    /// still give finite numbers) or the data holds NaN or Inf, redoes the sum of squares with each deviation squared
    /// in double. <paramref name="emitLoop"/> writes the loop header(s) and calls back with the element expression.
    /// </summary>
    public void EmitSquaresOverflowFallback(bool withDeviations, Func<string, string> centered, Action<Action<string>> emitLoop)
    {
        if (element != ElementType.Float)
        {
            return;
        }

        using (writer.Block("if (!double.IsFinite(sumOfSquares))"))
        {
            writer.Line("// Float squares overflowed (or the values hold NaN/Inf): square each deviation in double instead.");
            writer.Line(withDeviations ? "sumOfSquares = 0; deviations = 0;" : "sumOfSquares = 0;");
            emitLoop(value =>
            {
                writer.Line($"double d = (double)({centered(value)});");
                writer.Line("sumOfSquares += d * d;");
                if (withDeviations)
                {
                    writer.Line("deviations += d;");
                }
            });
        }
    }

    private void SumChunks(int length, Action<SegmentLayout, string?> sumSegment, bool lastSegmentNeeded = false)
    {
        int fullChunks = length > Limits.SumChunk ? length / Limits.SumChunk : 0;
        if (fullChunks > 0)
        {
            int chunkedEnd = fullChunks * Limits.SumChunk;
            using (writer.Block($"for (nuint chunk = 0; chunk < {chunkedEnd}; chunk += {Limits.SumChunk})"))
            {
                sumSegment(SegmentLayout.Create(0, Limits.SumChunk, width, element), "chunk");
            }
        }

        int rest = length - (fullChunks * Limits.SumChunk);
        if (rest > 0 || lastSegmentNeeded)
        {
            using (writer.Block())
            {
                sumSegment(SegmentLayout.Create(fullChunks * Limits.SumChunk, rest, width, element), null);
            }
        }
    }

    /// <summary>One chunk: independent accumulators over the loop and full vectors, then the tail straight into the totals.</summary>
    private void SumSegment(
        SegmentLayout layout,
        string? chunkStart,
        SumMode mode,
        string total,
        string? deviations,
        Func<string, string, string> vectorTerm,
        Func<string, string> scalarTerm,
        StoreAlongside? alongside = null,
        IReadOnlyList<(string Name, string Term)>? extra = null)
    {
        // The store pass alongside: x0, x1... (for source x) loaded before the step's sums and stores.
        void LoadAlongside(string offset, int name)
        {
            if (alongside is not null)
            {
                writer.Line($"var {alongside.Source}{name} = {Load(width.Class, alongside.Source, offset)};");
            }
        }

        void Alongside(string offset, int name)
        {
            if (alongside is not null)
            {
                writer.Line(alongside.Statement(width.Class, offset, alongside.Source + name));
            }
        }

        bool widen = mode == SumMode.Wide && element == ElementType.Float;
        extra ??= [];
        int accumulators = Math.Max(Math.Min(layout.Unroll, layout.FullVectorCount), Math.Min(extra.Count, 1));
        List<string> acc = Enumerable.Range(0, accumulators).Select(k => (widen ? "lo" : "acc") + k).ToList();
        List<string> second = Enumerable.Range(0, accumulators).Select(k => (widen ? "hi" : "dev") + k).ToList();
        bool hasSecond = widen || mode == SumMode.SquaresAndDeviations;
        if (accumulators > 0)
        {
            string type = widen ? $"{width.Class}<double>" : width.Type(element);
            writer.Line($"{type} {string.Join(", ", acc.Concat(hasSecond ? second : []).Select(name => name + " = default"))};");
        }

        void Add(string accumulator, string other, string temp, string term)
        {
            switch (mode)
            {
                case SumMode.Plain:
                case SumMode.Wide when !widen:
                    writer.Line($"{accumulator} += {term};");
                    break;
                case SumMode.Wide:
                    writer.Line($"var {temp} = {term};");
                    writer.Line($"{accumulator} += {width.Class}.WidenLower({temp});");
                    writer.Line($"{other} += {width.Class}.WidenUpper({temp});");
                    break;
                default:
                    writer.Line($"var {temp} = {term};");
                    writer.Line(AddSquare(width.Class, accumulator, temp, fusedMultiplyAdd));
                    if (mode == SumMode.SquaresAndDeviations)
                    {
                        writer.Line($"{other} += {temp};");
                    }

                    break;
            }
        }

        EmitLoop(
            layout,
            chunkStart,
            (offset, storeOffset, k) =>
            {
                Add(acc[k], second[k], $"d{k}", vectorTerm(width.Class, offset));
                Alongside(storeOffset, k);
            },
            alongside is null ? null : LoadAlongside);

        // The full vectors after the loop: the loads alongside first, named after the loop's.
        int firstName = layout.LoopIterations > 0 ? layout.Unroll : 0;
        List<Piece> fullAfter = [.. layout.After.Where(p => p.Width == width)];
        for (int j = 0; j < fullAfter.Count; j++)
        {
            LoadAlongside(Literals.Int(fullAfter[j].Offset), firstName + j);
        }

        int single = 0;
        foreach (Piece piece in layout.After)
        {
            string offset = Literals.Int(piece.Offset);
            if (piece.Width == width)
            {
                Add(acc[single], second[single], $"d{offset}", vectorTerm(width.Class, offset));
                Alongside(offset, firstName + single);
                single++;
            }
            else if (alongside is not null)
            {
                throw new InvalidOperationException("A pass alongside a sum needs a run of whole vectors.");
            }
            else if (piece.Width is null)
            {
                string term = scalarTerm(offset);
                if (mode is SumMode.Plain or SumMode.Wide)
                {
                    writer.Line($"{total} += {term};");
                }
                else
                {
                    writer.Line($"var d{offset} = {term};");
                    writer.Line($"{total} += d{offset} * d{offset};");
                    if (mode == SumMode.SquaresAndDeviations)
                    {
                        writer.Line($"{deviations} += d{offset};");
                    }
                }
            }
            else
            {
                string narrow = piece.Width.Class;
                string term = vectorTerm(narrow, offset);
                writer.Line($"var d{offset} = {term};");
                writer.Line(mode switch
                {
                    SumMode.Plain => $"{total} += {Names.Lanes}.Sum(d{offset});",
                    SumMode.Wide when widen => $"{total} += {Names.Lanes}.Sum({narrow}.WidenLower(d{offset}) + {narrow}.WidenUpper(d{offset}));",
                    SumMode.Wide => $"{total} += {Names.Lanes}.Sum(d{offset});",
                    _ => $"{total} += {Names.Lanes}.Sum(d{offset} * d{offset});",
                });
                if (mode == SumMode.SquaresAndDeviations)
                {
                    writer.Line($"{deviations} += {Names.Lanes}.Sum(d{offset});");
                }
            }
        }

        foreach ((string name, string term) in extra)
        {
            int k = single++ % accumulators;
            Add(acc[k], second[k], name, term);
        }

        if (accumulators == 0)
        {
            return;
        }

        if (widen)
        {
            writer.Line($"{total} += {Names.Lanes}.Sum({PairwiseSum(acc)} + {PairwiseSum(second)});");
            return;
        }

        AddHorizontal(total, acc);
        if (mode == SumMode.SquaresAndDeviations)
        {
            AddHorizontal(deviations!, second);
        }
    }

    /// <summary>
    /// Adds the lanes of the accumulators into a double total. Float lanes are widened to double first, so a sum
    /// of squares overflows only where a single lane does (beyond what PyTorch's float32 kernels reach).
    /// </summary>
    private void AddHorizontal(string total, List<string> accumulators)
    {
        string sum = PairwiseSum(accumulators);
        if (element == ElementType.Double)
        {
            writer.Line($"{total} += {Names.Lanes}.Sum({sum});");
            return;
        }

        string first = accumulators[0];
        if (accumulators.Count > 1)
        {
            writer.Line($"{first} = {sum};");
        }

        writer.Line($"{total} += {WideSum(first)};");
    }

    /// <summary>The lanes of a vector of the element type added up in double (float lanes widened first).</summary>
    private string WideSum(string vector) =>
        element == ElementType.Double
            ? $"{Names.Lanes}.Sum({vector})"
            : $"{Names.Lanes}.Sum({width.Class}.WidenLower({vector}) + {width.Class}.WidenUpper({vector}))";

    /// <summary>
    /// The loop over full vectors: <c>for (nuint i = start; i &lt; end; i += stride)</c> with the layout's unroll of vectors
    /// per iteration, or the same statements with constant offsets when there is one iteration. Each iteration writes
    /// <paramref name="first"/> for each of its vectors (when given), then <paramref name="emitVector"/> for each, with
    /// (offset, store offset, index). A store pass alongside (<paramref name="first"/> given) takes its own offsets, j:
    /// with i, or from the end back when the output lies up to 2 KB past the input modulo 4 KB (see
    /// <c>MemoryHints.StoreStep</c>). The sums always go forwards: their rounding does not depend on where the arrays lie.
    /// </summary>
    private void EmitLoop(SegmentLayout layout, string? chunkStart, Action<string, string, int> emitVector, Action<string, int>? first = null)
    {
        if (layout.LoopIterations == 0)
        {
            return;
        }

        void EmitStep(Func<int, string> offset, Func<int, string> storeOffset)
        {
            for (int k = 0; first is not null && k < layout.Unroll; k++)
            {
                first(storeOffset(k), k);
            }

            for (int k = 0; k < layout.Unroll; k++)
            {
                emitVector(offset(k), storeOffset(k), k);
            }
        }

        if (layout.LoopIterations == 1 && chunkStart is null)
        {
            Func<int, string> constant = k => Literals.Int(layout.Start + (k * layout.Lanes));
            EmitStep(constant, constant);
            return;
        }

        string start = chunkStart ?? Literals.Int(layout.Start);
        string end = chunkStart is null ? Literals.Int(layout.LoopEnd) : $"{chunkStart} + {layout.LoopEnd - layout.Start}";
        string stride = Literals.Int(layout.LoopStride);
        string header = $"for (nuint i = {start}; i < {end}; i += {stride})";
        if (first is not null)
        {
            // With a chunk variable, the chunk's own last block (plans reach at most one chunk this way: aligned groups
            // are at most 8 KB).
            int back = layout.LoopEnd - layout.Start - layout.LoopStride;
            string last = chunkStart is null ? $"(nuint){Literals.Int(layout.Start + back)}" : $"{chunkStart} + {back}";
            writer.Line("// The sums forwards; the stores alongside forwards too, or from the end back if the output lies up to 2 KB");
            writer.Line("// past the input modulo 4 KB (see MemoryHints.StoreStep).");
            header = $"for (nuint i = {start}, {StoreOrder("j", stride, start, last)}; i < {end}; i += {stride}, j = unchecked(j + step))";
        }

        string At(string index, int k) => k == 0 ? index : $"{index} + {k * layout.Lanes}";
        using (writer.Block(header))
        {
            EmitStep(k => At("i", k), k => At(first is null ? "i" : "j", k));
        }
    }
}

/// <summary>
/// A store pass run in a sum pass's loop (<see cref="VectorPasses.SumOfSquares"/>): each vector of <see cref="Source"/>
/// loaded into a local first, then stored by <see cref="Statement"/>(vector class, offset, the local's name).
/// </summary>
internal sealed record StoreAlongside(string Source, Func<string, string, string, string> Statement);

/// <summary>What a sum pass adds up.</summary>
internal enum SumMode
{
    /// <summary>The terms.</summary>
    Plain,

    /// <summary>The squares of the terms.</summary>
    Squares,

    /// <summary>The squares of the terms, and the terms into a second total.</summary>
    SquaresAndDeviations,

    /// <summary>Raw elements in double lanes (float widened): an exact-enough sum at twice the work.</summary>
    Wide,

}

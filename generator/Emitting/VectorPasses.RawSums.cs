using FixedNorm.Generator.Model;
using FixedNorm.Generator.Planning;

namespace FixedNorm.Generator.Emitting;

// Raw sums and squares of BatchNorm runs: one pass over the runs of a channel, float values widened to double.
internal sealed partial class VectorPasses
{
    private string T => element.Keyword();

    /// <summary>
    /// One pass over each of <paramref name="references"/>[0, length) (runs of one channel, into the same accumulators):
    /// into <paramref name="sum"/> the raw elements of a float tensor (widened to double lanes as they are loaded: exact
    /// sums, whatever the mean) or, for double, their deviations from the shift (raw double sums round, and a deviation
    /// sum keeps a constant channel exact), and the squares of their deviations from a shift into
    /// <paramref name="squares"/>, in lanes of the element type widened to double chunk by chunk (<paramref name="shift"/>
    /// gives the shift for a vector class or the element type). With <paramref name="partials"/> (a ref to
    /// <see cref="PartialsLength"/> doubles), whole vectors are added into two double vectors there instead, lanes still
    /// apart. A run of at least a vector takes its values after its whole vectors with one more vector ending at the
    /// run's end, masked to them by the local <see cref="TailMaskName"/> (<see cref="DeclareTailMask"/>); shorter runs'
    /// values go into the totals.
    /// </summary>
    public void SumRawAndSquares(string sum, string squares, int length, IReadOnlyList<string> references, Func<string, string> shift, string? partials = null) =>
        SumChunks(length, (layout, chunkStart) => SumRawAndSquaresSegment(layout, chunkStart, sum, squares, references, shift, partials, CoveredByVectors(length)));

    /// <summary>
    /// Whether <see cref="SumRawAndSquares"/> takes all of a run of this length in vectors of this width (none left for
    /// the totals): whole vectors, and a masked one for the values after them.
    /// </summary>
    public bool CoveredByVectors(int length) => length >= width.Lanes(element);

    /// <summary>The local that masks the last vector of a run to its values after the whole vectors.</summary>
    public const string TailMaskName = "tailMask";

    /// <summary>
    /// Declares <see cref="TailMaskName"/> where <see cref="SumRawAndSquares"/> over runs of this length uses it: a
    /// vector of the element type whose last (length % lanes) lanes have every bit set, the others none.
    /// <paramref name="unit"/> names what the length is in the generated comment: a BatchNorm "run", a LayerNorm "group".
    /// </summary>
    public void DeclareTailMask(int length, string unit = "run")
    {
        int lanes = width.Lanes(element);
        int tail = length % lanes;
        if (!CoveredByVectors(length) || tail == 0)
        {
            return;
        }

        string bits = element == ElementType.Float ? "" : "L";
        string lanesList = string.Join(", ", Enumerable.Range(0, lanes).Select(lane => (lane < lanes - tail ? "0" : "-1") + bits));
        string reinterpret = element == ElementType.Float ? "AsSingle" : "AsDouble";
        writer.Line(tail == 1
            ? $"// The last vector of each {unit} ends at the {unit}'s end: its last lane holds the value after the whole vectors,"
            : $"// The last vector of each {unit} ends at the {unit}'s end: its last {tail} lanes hold the values after the whole vectors,");
        writer.Line("// its other lanes (added already) are masked off.");
        writer.Line($"var {TailMaskName} = {width.Class}.{reinterpret}({width.Class}.Create({lanesList}));");
    }

    /// <summary>How many doubles <see cref="SumRawAndSquares"/> adds into at <c>partials</c>: two double vectors.</summary>
    public int PartialsLength => 2 * width.Lanes(ElementType.Double);

    /// <summary>"FixedNorm.Lanes.Sum(Vector512.LoadUnsafe(ref partials, k * lanes))": one of the two partial totals.</summary>
    public string PartialTotal(string partials, int index) =>
        $"{Names.Lanes}.Sum({Load(width.Class, partials, Literals.Int(index * width.Lanes(ElementType.Double)))})";

    /// <summary>
    /// One chunk of <see cref="SumRawAndSquares"/>: per vector, into double accumulators the raw values of a float vector
    /// (its lower and upper halves widened, into two) or the deviations of a double one, and the squared deviations into
    /// accumulators of the element type (widened to double before their lanes are added); tails straight into the totals.
    /// </summary>
    private void SumRawAndSquaresSegment(
        SegmentLayout layout,
        string? chunkStart,
        string sum,
        string squares,
        IReadOnlyList<string> references,
        Func<string, string> shift,
        string? partials,
        bool maskedTail)
    {
        string Scalar(string reference, string offset) => offset == "0" ? reference : $"{Names.Unsafe}.Add(ref {reference}, {offset})";

        // A vector's local: d0 for the first run, d1_0 for the second run's...
        string Temp(int run, string index) => run == 0 ? $"d{index}" : $"d{run}_{index}";

        string v = width.Class;
        bool isFloat = element == ElementType.Float;
        // The values after the whole vectors, in one vector masked to them (see SumRawAndSquares), or one by one.
        bool masked = maskedTail && layout.After.Any(piece => piece.Width != width);
        int accumulators = Math.Min(layout.Unroll, layout.FullVectorCount + (masked ? 1 : 0));
        List<string> acc = Enumerable.Range(0, accumulators).Select(k => "acc" + k).ToList();
        // Two double accumulators for the sums (two more for a float vector's upper halves): added up per segment,
        // fewer accumulators cost fewer adds there, and the double adds' latency hides behind the squares' work.
        int rawAccumulators = Math.Min(2, accumulators);
        List<string> raw = Enumerable.Range(0, rawAccumulators).Select(k => "sum" + k).ToList();
        List<string> rawHigh = Enumerable.Range(0, rawAccumulators).Select(k => "sumHigh" + k).ToList();
        if (accumulators > 0)
        {
            writer.Line($"{width.Type(ElementType.Double)} {string.Join(", ", raw.Concat(isFloat ? rawHigh : []).Select(name => name + " = default"))};");
            writer.Line($"{width.Type(element)} {string.Join(", ", acc.Select(name => name + " = default"))};");
        }

        // Takes the shift off d, summing d before (float: the raw value, widened to double, adds exactly) or after
        // (double: the deviation, since a raw double sum rounds). A masked vector keeps its masked lanes at 0 throughout.
        void SumAndShift(string d, string shiftTerm, string floatSum, string doubleSum, bool maskedVector = false)
        {
            if (isFloat)
            {
                writer.Line(floatSum);
            }

            writer.Line(maskedVector ? $"{d} = ({d} - {shiftTerm}) & {TailMaskName};" : $"{d} -= {shiftTerm};");
            if (!isFloat)
            {
                writer.Line(doubleSum);
            }
        }

        void Add(int k, string offset, string name, string reference, bool maskedVector = false)
        {
            string load = Load(v, reference, offset);
            writer.Line($"var {name} = {(maskedVector && isFloat ? $"{load} & {TailMaskName}" : load)};");
            int r = k % rawAccumulators;
            string upper = maskedVector ? $"{v}.WidenUpper({name})" : WidenUpperFromMemory(width, name, reference, offset);
            SumAndShift(name, shift(v), $"{raw[r]} += {v}.WidenLower({name});\n{rawHigh[r]} += {upper};", $"{raw[r]} += {name};", maskedVector);
            writer.Line(AddSquare(v, acc[k], name, fusedMultiplyAdd));
        }

        EmitLoop(layout, chunkStart, (offset, _, k) =>
        {
            for (int run = 0; run < references.Count; run++)
            {
                Add(k, offset, Temp(run, Literals.Int(k)), references[run]);
            }
        });
        int single = 0;
        foreach (Piece piece in layout.After)
        {
            string offset = Literals.Int(piece.Offset);
            if (piece.Width == width)
            {
                for (int run = 0; run < references.Count; run++)
                {
                    Add(single, offset, Temp(run, offset), references[run]);
                }

                single++;
                continue;
            }

            if (masked)
            {
                continue;
            }

            for (int run = 0; run < references.Count; run++)
            {
                string d = Temp(run, offset);
                if (piece.Width is null)
                {
                    writer.Line($"var {d} = {Scalar(references[run], offset)};");
                    SumAndShift(d, shift(T), $"{sum} += {d};", $"{sum} += {d};");
                    writer.Line($"{squares} += {d} * {d};");
                }
                else
                {
                    string narrow = piece.Width.Class;
                    writer.Line($"var {d} = {Load(narrow, references[run], offset)};");
                    SumAndShift(d, shift(narrow), $"{sum} += {Names.Lanes}.Sum({narrow}.WidenLower({d}) + {narrow}.WidenUpper({d}));", $"{sum} += {Names.Lanes}.Sum({d});");
                    writer.Line($"{squares} += {Names.Lanes}.Sum({d} * {d});");
                }
            }
        }

        if (masked)
        {
            string offset = Literals.Int(layout.Start + layout.Length - layout.Lanes);
            for (int run = 0; run < references.Count; run++)
            {
                Add(single, offset, Temp(run, offset), references[run], maskedVector: true);
            }
        }

        if (accumulators == 0)
        {
            return;
        }

        string rawTotal = isFloat ? $"{PairwiseSum(raw)} + {PairwiseSum(rawHigh)}" : PairwiseSum(raw);
        if (partials is null)
        {
            writer.Line($"{sum} += {Names.Lanes}.Sum({rawTotal});");
            AddHorizontal(squares, acc);
            return;
        }

        // Into the two double vectors at partials (lanes added up once, at the end): no horizontal add per segment.
        writer.Line(Store(v, $"{Load(v, partials, "0")} + {rawTotal}", partials, "0"));
        string squaresTotal = PairwiseSum(acc);
        if (isFloat)
        {
            if (acc.Count > 1)
            {
                writer.Line($"{acc[0]} = {squaresTotal};");
            }

            squaresTotal = $"{v}.WidenLower({acc[0]}) + {v}.WidenUpper({acc[0]})";
        }

        string squaresOffset = Literals.Int(width.Lanes(ElementType.Double));
        writer.Line(Store(v, $"{Load(v, partials, squaresOffset)} + {squaresTotal}", partials, squaresOffset));
    }
}

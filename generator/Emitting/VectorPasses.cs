using FixedNorm.Generator.Model;
using FixedNorm.Generator.Planning;

namespace FixedNorm.Generator.Emitting;

/// <summary>
/// Writes passes over a contiguous run of elements with compile-time layout (see <see cref="SegmentLayout"/>):
/// sums over vectors with independent accumulators, and element-wise stores.
/// </summary>
internal sealed class VectorPasses(SourceWriter writer, ElementType element, VectorWidth width, bool fusedMultiplyAdd = false)
{
    // Every store pass of this code path names its deferred values from one count: two in one scope cannot clash.
    private readonly BlockStores blockStores = new();

    private string T => element.Keyword();

    /// <summary>The width of the full vectors this writes.</summary>
    public VectorWidth Width => width;

    /// <summary>
    /// Writes one code path per vector width: "if (Vector512.IsHardwareAccelerated) { Vector512Path(...); } else if
    /// (Vector256...) { ... } else { Vector128Path(...); }", each path a static local function taking a ref to each
    /// span's first element (<paramref name="spans"/>, named as the entry checks name them). The JIT folds the tests,
    /// compiles only the path the machine takes, and gives it its own locals. With the three paths in one method, a
    /// large kernel has more than 512 locals, past which the JIT inlines no call at all: [BatchNorm(256, 64)] with mean
    /// and rstd then called Vector512.Widen in its loops and took 3.9 us instead of 2.8, [BatchNorm(16, 32, 32, 64,
    /// ChannelAxis = -1)] 355 instead of 197, against the same kernels without mean and rstd (every method compiled fully
    /// optimized at once; Zen 4, 2026-12-05). Robustness/MachineCodeTests checks that no kernel calls anything but its
    /// throw helpers.
    /// </summary>
    public static void EmitPerWidth(SourceWriter writer, ElementType element, IReadOnlyList<SpanParameter> spans, Action<VectorWidth> emitPath)
    {
        string arguments = string.Join(", ", spans.Select(s => $"ref {s.Name}Ref"));
        string parameters = string.Join(", ", spans.Select(s => $"ref {element.Keyword()} {s.Name}Ref"));
        writer.Line();
        for (int i = 0; i < VectorWidth.All.Length; i++)
        {
            VectorWidth width = VectorWidth.All[i];
            bool last = i == VectorWidth.All.Length - 1;
            string header = last ? "else" : $"{(i == 0 ? "if" : "else if")} ({width.Class}.IsHardwareAccelerated)";
            using (writer.Block(header))
            {
                writer.Line($"{PathName(width)}({arguments});");
            }
        }

        writer.Line();
        writer.Line("// A local function a vector width: the JIT compiles only the one this machine takes, with no other path's locals.");
        for (int i = 0; i < VectorWidth.All.Length; i++)
        {
            VectorWidth width = VectorWidth.All[i];
            if (i > 0)
            {
                writer.Line();
            }

            using (writer.Block($"static void {PathName(width)}({parameters})"))
            {
                if (i == VectorWidth.All.Length - 1)
                {
                    writer.Line("// Vector128: also correct, if slower, where it is not accelerated.");
                }

                emitPath(width);
            }
        }
    }

    private static string PathName(VectorWidth width) => $"Vector{width.Bits}Path";

    /// <summary>"Vector512.LoadUnsafe(ref x)" or "Vector512.LoadUnsafe(ref x, offset)".</summary>
    public static string Load(string vectorClass, string reference, string offset) =>
        offset == "0" ? $"{vectorClass}.LoadUnsafe(ref {reference})" : $"{vectorClass}.LoadUnsafe(ref {reference}, {offset})";

    /// <summary>
    /// The upper half of the float vector at <paramref name="offset"/> of <paramref name="reference"/> (loaded into
    /// <paramref name="loaded"/>), widened to double. On Vector512, from memory:
    /// "Vector512.WidenLower(Vector256.ToVector512Unsafe(Vector256.LoadUnsafe(ref x, offset + 8)))", which the JIT folds
    /// into one convert with a memory operand, where WidenUpper of the loaded vector extracts its upper half first. Float
    /// BatchNorm training's statistics pass ([32, 64, 128], Zen 4, 2026-12-04): 27.4 us with WidenUpper, 24.4 this way
    /// (12.6 with no widening at all); whole kernels 3 to 7 % faster ([32, 64, 128] 53.4 -> 50.6 us, [16, 32, 32, 64]
    /// channels-last 207 -> 197). Vector512 only: on the Vector256 path (AVX-512 turned off) channels-last training was
    /// 5 % slower this way ([16, 32, 32, 64] 258-262 -> 273-276 us), and a 64-bit half is no vector of its own on x64.
    /// </summary>
    public static string WidenUpperFromMemory(VectorWidth width, string loaded, string reference, string offset)
    {
        if (width != VectorWidth.V512)
        {
            return $"{width.Class}.WidenUpper({loaded})";
        }

        string half = "global::System.Runtime.Intrinsics.Vector256";
        return $"{width.Class}.WidenLower({half}.ToVector512Unsafe({Load(half, reference, OffsetPlus(offset, width.Lanes(ElementType.Float) / 2))}))";
    }

    /// <summary>An offset expression plus a constant: "24" for "16" and 8, "i + 24" for "i + 16", "row + 8" for "row".</summary>
    public static string OffsetPlus(string offset, int add)
    {
        if (long.TryParse(offset, out long value))
        {
            return Literals.Int(value + add);
        }

        int plus = offset.LastIndexOf(" + ", StringComparison.Ordinal);
        if (plus >= 0 && long.TryParse(offset.Substring(plus + 3), out long tail))
        {
            return $"{offset.Substring(0, plus)} + {Literals.Int(tail + add)}";
        }

        return $"{offset} + {Literals.Int(add)}";
    }

    /// <summary>
    /// The fused multiply-add of a vector class: <c>FusedMultiplyAdd</c>, or on Vector128 <c>MultiplyAddEstimate</c>,
    /// which is the same fused instruction where the processor has FMA (every x64 processor with AVX2, every Arm64 one)
    /// and a multiply and an add where it has not, where <c>Vector128.FusedMultiplyAdd</c> falls back to software (16
    /// to 20 times slower here with the JIT's AVX2 group off; BatchNorm training [32, 64, 128] took about 3 ms instead of
    /// 45 us). The Vector512 and Vector256 paths run only where AVX-512 or AVX2, and so FMA, are there.
    /// </summary>
    public static string MultiplyAddMethod(string vectorClass) =>
        vectorClass.EndsWith("Vector128", StringComparison.Ordinal) ? $"{vectorClass}.MultiplyAddEstimate" : $"{vectorClass}.FusedMultiplyAdd";

    /// <summary>"a * b + c", as one fused multiply-add where the target has it.</summary>
    public string MultiplyAdd(string vectorClass, string a, string b, string c) => MultiplyAdd(vectorClass, a, b, c, fusedMultiplyAdd);

    /// <summary>"a * b + c", as one fused multiply-add when <paramref name="fused"/> (the target has it).</summary>
    public static string MultiplyAdd(string vectorClass, string a, string b, string c, bool fused) =>
        fused ? $"{MultiplyAddMethod(vectorClass)}({a}, {b}, {c})" : $"{a} * {b} + {c}";

    /// <summary>"acc = Vector512.FusedMultiplyAdd(d, d, acc);", or "acc += d * d;" unfused: a square into an accumulator.</summary>
    public static string AddSquare(string vectorClass, string accumulator, string d, bool fused) =>
        fused ? $"{accumulator} = {MultiplyAddMethod(vectorClass)}({d}, {d}, {accumulator});" : $"{accumulator} += {d} * {d};";

    /// <summary>"Vector512.StoreUnsafe(value, ref y)" or with an offset.</summary>
    public static string Store(string vectorClass, string value, string reference, string offset) =>
        offset == "0" ? $"{vectorClass}.StoreUnsafe({value}, ref {reference});" : $"{vectorClass}.StoreUnsafe({value}, ref {reference}, {offset});";

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
    /// A store pass: <c>vectorStatement(vector class, offset, loaded, stores)</c> for every vector of [0, length), then
    /// <c>scalarStatement(offset)</c> for the elements after the last vector. The vectors go in blocks of
    /// <paramref name="unroll"/> (a loop iteration, or the vectors after the loop). A block loads each of
    /// <paramref name="sources"/> into locals (x0, x1, ... for source x; <c>loaded(source)</c> names the one for the vector
    /// at hand); a value that loads more (weight, bias, a table) goes into a local through <see cref="BlockStores"/> and
    /// is stored after the block's last value, one that loads nothing as it is computed. The loop runs backwards when the
    /// output lies 1 to 2047 bytes past the input modulo 4 KB (<c>MemoryHints.StoreStep</c>, from the kernel's
    /// <c>inputRef</c> and <c>outputRef</c>), so that the input's loads stay below its recent stores; it does not weigh
    /// other loads (a second group n elements on, weight, bias). See <see cref="Limits.StoreUnroll"/> for why.
    /// </summary>
    public void ForEach(
        int length, IReadOnlyList<string> sources, Func<string, string, Func<string, string>, BlockStores, string> vectorStatement, Func<string, string> scalarStatement,
        int unroll = Limits.StoreUnroll)
    {
        SegmentLayout layout = SegmentLayout.Create(0, length, width, element, unroll);
        void EmitBlock(IReadOnlyList<(string Vector, string Offset)> vectors, int firstName)
        {
            for (int k = 0; k < vectors.Count; k++)
            {
                foreach (string source in sources)
                {
                    writer.Line($"var {source}{firstName + k} = {Load(vectors[k].Vector, source, vectors[k].Offset)};");
                }
            }

            for (int k = 0; k < vectors.Count; k++)
            {
                writer.Line(vectorStatement(vectors[k].Vector, vectors[k].Offset, source => source + (firstName + k), blockStores));
            }

            blockStores.TakeStores().ForEach(line => writer.Line(line));
        }

        if (layout.LoopIterations == 1)
        {
            EmitBlock([.. Enumerable.Range(0, layout.Unroll).Select(k => (width.Class, Literals.Int(k * layout.Lanes)))], 0);
        }
        else if (layout.LoopIterations > 1)
        {
            string stride = Literals.Int(layout.LoopStride);
            string last = Literals.Int(layout.LoopEnd - layout.LoopStride);
            writer.Line("// Forwards, or backwards if the output lies up to 2 KB past the input modulo 4 KB (see MemoryHints.StoreStep).");
            using (writer.Block($"for (nuint block = 0, {StoreOrder("i", stride, "0", $"(nuint){last}")}; block < {layout.LoopIterations}; block++, i = unchecked(i + step))"))
            {
                EmitBlock([.. Enumerable.Range(0, layout.Unroll).Select(k => (width.Class, k == 0 ? "i" : $"i + {k * layout.Lanes}"))], 0);
            }
        }

        // The vectors after the loop: names after the loop's (a local's scope takes in the blocks nested in it).
        EmitBlock([.. layout.After.Where(p => p.Width is not null).Select(p => (p.Width!.Class, Literals.Int(p.Offset)))], layout.LoopIterations > 0 ? layout.Unroll : 0);
        foreach (Piece piece in layout.After.Where(p => p.Width is null))
        {
            writer.Line(scalarStatement(Literals.Int(piece.Offset)));
        }
    }

    /// <summary>
    /// Rows a row-by-row store loop takes a step, loading all their vectors before it stores any: as many as fill
    /// <see cref="Limits.StoreUnroll"/> vectors of <paramref name="vectorsPerRow"/> each and divide <paramref name="rows"/>.
    /// </summary>
    public static int RowsPerStoreStep(long rows, int vectorsPerRow)
    {
        int step = Math.Max(1, Limits.StoreUnroll / vectorsPerRow);
        while (rows % step != 0)
        {
            step--;
        }

        return step;
    }

    /// <summary>
    /// The body of a row-by-row store loop taking <paramref name="step"/> rows of <paramref name="rowLength"/> elements at
    /// a time: every piece of those rows (a vector class, or null for a single element, at a column of the row) loaded
    /// from x into x0, x1... first, then every store, <c>store(piece index, loaded local, offset)</c>. <paramref name="offset"/>
    /// writes an element's offset from x.
    /// </summary>
    public static void EmitRowsLoadedFirst(
        SourceWriter writer, int step, long rowLength, IReadOnlyList<(string? Vector, long Column)> pieces, Func<long, string> offset, Func<int, string, string, string> store)
    {
        var stores = new List<string>();
        for (int j = 0; j < step; j++)
        {
            for (int k = 0; k < pieces.Count; k++)
            {
                string at = offset((j * rowLength) + pieces[k].Column);
                string name = $"x{stores.Count}";
                string load = pieces[k].Vector is { } vector ? Load(vector, "x", at) : LayerNormEmitter.At("x", at);
                writer.Line($"var {name} = {load};");
                stores.Add(store(k, name, at));
            }
        }

        stores.ForEach(line => writer.Line(line));
    }

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

    /// <summary>
    /// "step = MemoryHints.StoreStep(ref inputRef, ref outputRef, stride), index = step == stride ? first : last": a store
    /// loop's step and starting offset, forwards from <paramref name="first"/> or backwards from <paramref name="last"/>.
    /// </summary>
    private static string StoreOrder(string index, string stride, string first, string last) =>
        $"step = {Names.MemoryHints}.StoreStep(ref inputRef, ref outputRef, {stride}), {index} = step == {stride} ? {first} : {last}";

    /// <summary>"(acc0 + acc1) + (acc2 + acc3)": a balanced sum of the accumulators.</summary>
    public static string PairwiseSum(List<string> terms)
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

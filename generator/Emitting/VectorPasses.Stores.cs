using FixedNorm.Generator.Model;
using FixedNorm.Generator.Planning;

namespace FixedNorm.Generator.Emitting;

// Store passes: element-wise statements over a run, loads before stores, forwards or backwards.
internal sealed partial class VectorPasses
{
    // Every store pass of this code path names its deferred values from one count: two in one scope cannot clash.
    private readonly BlockStores blockStores = new();

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
}

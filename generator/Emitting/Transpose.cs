using FixedNorm.Generator.Model;

namespace FixedNorm.Generator.Emitting;

/// <summary>
/// Writes the in-register transpose of a block of <c>lanes</c> rows of <c>columns</c> contiguous elements: loaded as
/// <c>columns</c> Vector256s, turned into one vector per column whose lane r is row r (and back), with constant
/// shuffles and blends. Each column gathers from at most two or three loaded vectors.
/// </summary>
internal static class Transpose
{
    private const string V = "global::System.Runtime.Intrinsics.Vector256";

    public static int Lanes(ElementType element) => 32 / element.Size();

    /// <summary>"var v0 = load(ref source, 0); ..." then "var {column}0 = ..." for each column.</summary>
    public static void EmitGather(SourceWriter writer, ElementType element, int columns, string source, string column)
    {
        int lanes = Lanes(element);
        for (int k = 0; k < columns; k++)
        {
            writer.Line($"var v{k} = {VectorPasses.Load(V, source, Literals.Int(k * lanes))};");
        }

        for (int j = 0; j < columns; j++)
        {
            // Row r's element j is element r * columns + j of the block: lane (that % lanes) of vector (that / lanes).
            var parts = new List<(int Source, int[] Index, bool[] Mask)>();
            for (int k = 0; k < columns; k++)
            {
                int[] index = new int[lanes];
                bool[] mask = new bool[lanes];
                for (int r = 0; r < lanes; r++)
                {
                    int e = (r * columns) + j;
                    if (e / lanes == k)
                    {
                        index[r] = e % lanes;
                        mask[r] = true;
                    }
                }

                if (mask.Any(m => m))
                {
                    parts.Add((k, index, mask));
                }
            }

            writer.Line($"var {column}{j} = {Combine(element, parts.Select(p => (Shuffle(element, $"v{p.Source}", p.Index), p.Mask)).ToList())}; // column {j}, lane r = row r");
        }
    }

    /// <summary>Stores the column vectors "{column}0.." back as the block's row-major elements at <paramref name="destination"/>.</summary>
    public static void EmitScatter(SourceWriter writer, ElementType element, int columns, string column, string destination)
    {
        int lanes = Lanes(element);
        for (int k = 0; k < columns; k++)
        {
            var parts = new List<(string Value, bool[] Mask)>();
            for (int j = 0; j < columns; j++)
            {
                int[] index = new int[lanes];
                bool[] mask = new bool[lanes];
                for (int l = 0; l < lanes; l++)
                {
                    int e = (k * lanes) + l;
                    if (e % columns == j)
                    {
                        index[l] = e / columns;
                        mask[l] = true;
                    }
                }

                if (mask.Any(m => m))
                {
                    parts.Add((Shuffle(element, $"{column}{j}", index), mask));
                }
            }

            writer.Line(VectorPasses.Store(V, Combine(element, parts), destination, Literals.Int(k * lanes)));
        }
    }

    /// <summary>Select(mask0, a0, Select(mask1, a1, a2)): the last part fills every lane the others do not.</summary>
    private static string Combine(ElementType element, List<(string Value, bool[] Mask)> parts)
    {
        string result = parts[parts.Count - 1].Value;
        for (int i = parts.Count - 2; i >= 0; i--)
        {
            result = $"{V}.ConditionalSelect({Mask(element, parts[i].Mask)}, {parts[i].Value}, {result})";
        }

        return result;
    }

    private static string Shuffle(ElementType element, string vector, int[] index) =>
        $"{V}.Shuffle({vector}, {V}.Create({string.Join(", ", index.Select(i => element == ElementType.Float ? Literals.Int(i) : Literals.Int(i) + "L"))}))";

    private static string Mask(ElementType element, bool[] mask) => element == ElementType.Float
        ? $"{V}.AsSingle({V}.Create({string.Join(", ", mask.Select(m => m ? "-1" : "0"))}))"
        : $"{V}.AsDouble({V}.Create({string.Join(", ", mask.Select(m => m ? "-1L" : "0L"))}))";
}

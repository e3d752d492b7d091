namespace FixedNorm.Generator.Emitting;

/// <summary>
/// The values of one block of a store pass (<see cref="VectorPasses.ForEach"/>) that load (weight, bias, a table), each
/// computed into a local r0, r1, ..., and their stores, written after the block's last value: every load of the block
/// comes before its first store. A value that loads nothing is stored as it is computed: computing it first was measured
/// 1 to 3 % slower (BatchNorm training [32, 64, 128], one process, 7 distances, 2026-12-05). One instance serves a whole
/// code path (one <see cref="VectorPasses"/>), so the names never repeat within it.
/// </summary>
internal sealed class BlockStores
{
    private readonly List<string> stores = [];
    private int next;

    /// <summary>
    /// "var r3 = value;", keeping <c>store("r3")</c> for after the block's values, when the value loads (it holds a
    /// LoadUnsafe) or <paramref name="defer"/> is set (the caller loaded what the value uses into locals of its own);
    /// otherwise the store itself.
    /// </summary>
    public string Add(string value, Func<string, string> store, bool defer = false)
    {
        if (!defer && !value.Contains(".LoadUnsafe(", StringComparison.Ordinal))
        {
            return store(value);
        }

        string name = $"r{next++}";
        stores.Add(store(name));
        return $"var {name} = {value};";
    }

    /// <summary><see cref="Add"/> with an ordinary store of the vector class at the offset of reference.</summary>
    public string Store(string vectorClass, string value, string reference, string offset, bool defer = false) =>
        Add(value, name => VectorPasses.Store(vectorClass, name, reference, offset), defer);

    /// <summary>The stores kept since the last call, in order; the next block starts empty.</summary>
    public List<string> TakeStores()
    {
        List<string> taken = [.. stores];
        stores.Clear();
        return taken;
    }
}

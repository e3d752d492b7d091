namespace FixedNorm.Generator.Emitting;

/// <summary>
/// The values of one block of a store pass (<see cref="VectorPasses.ForEach"/>) that load (weight, bias, a table), each
/// computed into a local r0, r1, ..., and their stores, written after the block's last value: every load of the block
/// comes before its first store. A value that loads nothing is stored as it is computed: computing it first was measured
/// 1 to 3 % slower (BatchNorm training [32, 64, 128], one process, 7 distances, 2026-12-05).
/// </summary>
internal sealed class BlockStores
{
    private readonly List<string> stores = [];
    private int next;

    /// <summary>
    /// "var r3 = value;", keeping <c>store("r3")</c> for after the block's values; or the store itself if the value loads
    /// nothing and <paramref name="defer"/> is false (the caller loaded nothing for it into locals of its own).
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

    /// <summary>Starts a block (the names go on counting: the loop's block and the one after it share a scope).</summary>
    public void Clear() => stores.Clear();

    /// <summary>The block's stores, in order.</summary>
    public List<string> Take() => [.. stores];
}

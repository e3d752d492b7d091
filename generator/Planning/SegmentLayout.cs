using FixedNorm.Generator.Model;

namespace FixedNorm.Generator.Planning;

/// <summary>One vector (or one element when <see cref="Width"/> is null) at a fixed offset.</summary>
internal sealed record Piece(int Offset, VectorWidth? Width);

/// <summary>
/// How a run of <see cref="Length"/> contiguous elements is covered by vectors of one width, decided at
/// compile time: a loop of <see cref="LoopIterations"/> iterations of <see cref="Limits.Accumulators"/>
/// full vectors, then single full vectors, then narrower vectors and single elements for the tail.
/// </summary>
internal sealed class SegmentLayout
{
    private SegmentLayout(int start, int length, VectorWidth width, int lanes, int unroll, List<Piece> after)
    {
        Width = width;
        Start = start;
        Length = length;
        Lanes = lanes;
        Unroll = unroll;
        LoopIterations = length / (lanes * unroll);
        After = after;
    }

    public int Start { get; }

    public int Length { get; }

    /// <summary>Elements in one full vector.</summary>
    public int Lanes { get; }

    /// <summary>Full vectors per loop iteration.</summary>
    public int Unroll { get; }

    public int LoopIterations { get; }

    public int LoopStride => Lanes * Unroll;

    public int LoopEnd => Start + (LoopIterations * LoopStride);

    /// <summary>What follows the loop, in order: full vectors, narrower vectors, single elements.</summary>
    public IReadOnlyList<Piece> After { get; }

    /// <summary>How many full vectors the widest piece count uses (for naming accumulators).</summary>
    public int FullVectorCount => (LoopIterations > 0 ? Unroll : 0) + After.Count(p => p.Width?.Bits == Width.Bits);

    /// <summary>The width of the full vectors.</summary>
    public VectorWidth Width { get; }

    public static SegmentLayout Create(int start, int length, VectorWidth width, ElementType element, int unroll = Limits.Accumulators)
    {
        int lanes = width.Lanes(element);
        int loopCovered = length / (lanes * unroll) * lanes * unroll;
        var after = new List<Piece>();
        int offset = start + loopCovered;
        int end = start + length;
        foreach (VectorWidth candidate in VectorWidth.All)
        {
            if (candidate.Bits > width.Bits)
            {
                continue;
            }

            int candidateLanes = candidate.Lanes(element);
            while (end - offset >= candidateLanes)
            {
                after.Add(new Piece(offset, candidate));
                offset += candidateLanes;
            }
        }

        for (; offset < end; offset++)
        {
            after.Add(new Piece(offset, null));
        }

        return new SegmentLayout(start, length, width, lanes, unroll, after);
    }
}

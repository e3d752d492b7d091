using FixedNorm.Generator.Model;

namespace FixedNorm.Generator.Planning;

/// <summary>How a group is computed.</summary>
internal enum GroupStrategy
{
    /// <summary>Every element in a local, straight-line code, statistics in double.</summary>
    Scalar,

    /// <summary>Vector passes over the group, one code path per hardware vector width.</summary>
    Vector,

    /// <summary>Small groups, a Vector256's worth at a time: transposed so each lane holds one group.</summary>
    Transposed,

    /// <summary>
    /// Groups of 64 bytes to 1 KB, a vector's worth at a time: each group's lane sums added across the groups by a tree
    /// of shuffles, so one lane holds one group's statistics; the per-group vector code where that fails.
    /// </summary>
    Batched,

    /// <summary>
    /// Vector passes with aligned loads, each group's sums in the store loop of the group before it: 16 or more groups
    /// of whole 64-byte lines, 2 to 8 KB each, in cache.
    /// </summary>
    Aligned,
}

/// <summary>
/// A LayerNorm kernel reduced to its essentials: <see cref="Groups"/> contiguous groups of
/// <see cref="GroupSize"/> elements each (row-major memory makes the normalized axes [axis, rank)
/// one contiguous run per group), and how to compute them.
/// </summary>
internal sealed record LayerNormPlan(int Groups, int GroupSize, GroupStrategy Strategy, bool UnrollGroups)
{
    public static LayerNormPlan For(LayerNormSpec spec)
    {
        int groups = 1;
        int groupSize = 1;
        for (int i = 0; i < spec.Shape.Count; i++)
        {
            if (i < spec.Axis)
            {
                groups *= spec.Shape[i];
            }
            else
            {
                groupSize *= spec.Shape[i];
            }
        }

        long groupBytes = (long)groupSize * spec.Element.Size();
        bool transposed = groupBytes <= Limits.TransposeMaxGroupBytes && groupSize <= Limits.TransposeMaxColumns && groups >= 32 / spec.Element.Size();
        bool scalar = transposed || groupBytes <= Limits.ScalarGroupMaxBytes;
        bool unroll = scalar && (long)groups * groupSize <= Limits.UnrolledElementsMax;
        bool aligned = !scalar
            && groups >= Limits.AlignedGroupsMin
            && groupBytes % 64 == 0
            && groupBytes >= Limits.AlignedGroupMinBytes
            && groupBytes <= Limits.AlignedGroupMaxBytes
            && (2L * groups * groupBytes <= Limits.PairedGroupsMaxBytes
                || (groupBytes <= Limits.AlignedOutOfCacheGroupMaxBytes && (long)groups * groupBytes < Limits.StreamedOutputMinBytes));
        bool batched = !scalar
            && !StreamsOutput(groups, groupBytes)
            && groupBytes >= Limits.BatchedGroupMinBytes
            && groupBytes <= Limits.BatchedGroupMaxBytes
            && (long)groups * spec.Element.Size() >= Limits.BatchedGroupMinBytes; // a Vector512's worth of groups
        GroupStrategy strategy = transposed ? GroupStrategy.Transposed
            : scalar ? GroupStrategy.Scalar
            : batched ? GroupStrategy.Batched
            : aligned ? GroupStrategy.Aligned
            : GroupStrategy.Vector;
        return new LayerNormPlan(groups, groupSize, strategy, unroll || groups == 1);
    }

    /// <summary>
    /// Whether the per-group code streams the output past the caches (StreamingStore): 8 MB or more of groups of whole
    /// 64-byte lines, 512 bytes or more each.
    /// </summary>
    public static bool StreamsOutput(long groups, long groupBytes) =>
        groups * groupBytes >= Limits.StreamedOutputMinBytes
        && groupBytes % 64 == 0
        && groupBytes >= Limits.StreamedGroupMinBytes;
}

using FixedNorm.Generator.Model;

namespace FixedNorm.Generator.Planning;

/// <summary>How a group is computed.</summary>
internal enum GroupStrategy
{
    /// <summary>Every element in a local, straight-line code, statistics in double.</summary>
    Scalar,

    /// <summary>Vector passes over the group, one code path per hardware vector width.</summary>
    Vector,
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

        bool scalar = (long)groupSize * spec.Element.Size() <= Limits.ScalarGroupMaxBytes;
        bool unroll = scalar && (long)groups * groupSize <= Limits.UnrolledElementsMax;
        return new LayerNormPlan(groups, groupSize, scalar ? GroupStrategy.Scalar : GroupStrategy.Vector, unroll || groups == 1);
    }
}

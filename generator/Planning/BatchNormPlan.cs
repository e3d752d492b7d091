using FixedNorm.Generator.Model;

namespace FixedNorm.Generator.Planning;

/// <summary>How a BatchNorm kernel walks its channels.</summary>
internal enum ChannelStrategy
{
    /// <summary>Tiny tensors: every value of a channel in a local, straight-line code, statistics in double.</summary>
    Unrolled,

    /// <summary>Each channel is <see cref="BatchNormPlan.Outer"/> contiguous runs of Inner elements: vector passes over each run.</summary>
    Runs,

    /// <summary>Channels are contiguous (channels-last, or (N, C)): vectors across channels, rows streamed in order.</summary>
    Blocks,

    /// <summary>Short runs of a few channels: scalar loops with constant trip counts.</summary>
    Strided,
}

/// <summary>
/// A BatchNorm kernel reduced to [Outer, Channels, Inner]: element (o, c, i) sits at
/// (o * Channels + c) * Inner + i, and each channel's statistics run over Outer x Inner values.
/// </summary>
internal sealed record BatchNormPlan(int Outer, int Channels, int Inner, ChannelStrategy Strategy)
{
    /// <summary>Values per channel.</summary>
    public int Count => Outer * Inner;

    /// <summary>Distance between consecutive runs of one channel.</summary>
    public int RunStride => Channels * Inner;

    public int Offset(int o, int c, int i) => (((o * Channels) + c) * Inner) + i;

    public static BatchNormPlan For(BatchNormSpec spec)
    {
        int outer = 1;
        int inner = 1;
        for (int axis = 0; axis < spec.Shape.Count; axis++)
        {
            if (axis < spec.ChannelAxis)
            {
                outer *= spec.Shape[axis];
            }
            else if (axis > spec.ChannelAxis)
            {
                inner *= spec.Shape[axis];
            }
        }

        int channels = spec.Shape[spec.ChannelAxis];
        int size = spec.Element.Size();
        long total = (long)outer * channels * inner;
        ChannelStrategy strategy =
            total <= Limits.UnrolledElementsMax && (long)outer * inner <= Limits.UnrolledChannelMax ? ChannelStrategy.Unrolled
            : (long)inner * size > Limits.ScalarGroupMaxBytes ? ChannelStrategy.Runs
            : inner == 1 && (long)channels * size >= 16 ? ChannelStrategy.Blocks
            : ChannelStrategy.Strided;
        return new BatchNormPlan(outer, channels, inner, strategy);
    }
}

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
        // Channels as vector lanes beat straight-line code at every size measured (e.g. [32, 4] training 64 ns against
        // 541, [8, 16] inference 11 against 94), except where 8 rows fill a Vector256 (4 for double) and the rows are
        // transposed: inference, and training with few channels (float [8, 4] 19 ns against 25, double [4, 3] 17.5
        // against 19.7); with more, training takes one square root per channel there (float [8, 8] 83 ns against 29,
        // double [4, 4] 22.7 against 14.2).
        int transposedTrainingMax = spec.Element == ElementType.Float ? Limits.PatternTrainingMaxChannels : Limits.TransposedDoubleTrainingMaxChannels;
        bool transposes = inner == 1 && outer == 32 / size && channels <= Limits.TransposeMaxColumns
            && (!spec.Training || channels <= transposedTrainingMax);
        ChannelStrategy strategy =
            inner == 1 && (long)channels * size >= 16 && !transposes ? ChannelStrategy.Blocks
            : total <= Limits.UnrolledElementsMax && (long)outer * inner <= Limits.UnrolledChannelMax ? ChannelStrategy.Unrolled
            : (long)inner * size > Limits.ScalarRunMaxBytes ? ChannelStrategy.Runs
            : ChannelStrategy.Strided;
        return new BatchNormPlan(outer, channels, inner, strategy);
    }
}

using FixedNorm.Generator.Model;

namespace FixedNorm.Generator.Planning;

/// <summary>How a BatchNorm kernel walks its channels.</summary>
internal enum ChannelStrategy
{
    /// <summary>Tiny tensors: every value of a channel in a local, straight-line code, statistics in double.</summary>
    Unrolled,

    /// <summary>
    /// A batch of exactly one Vector256 of rows (8 float, 4 double) with few channels, such as the notebook's (8, 3): the
    /// row vectors with the channels' constants in their order (float) or transposed, a vector per channel (double).
    /// </summary>
    OneVectorOfRows,

    /// <summary>Each channel is <see cref="BatchNormPlan.Outer"/> contiguous runs of Inner elements: vector passes over each run.</summary>
    Runs,

    /// <summary>Channels are contiguous (channels-last, or (N, C)): vectors across channels, rows streamed in order.</summary>
    Blocks,

    /// <summary>Short runs of a few channels: scalar loops with constant trip counts.</summary>
    Strided,

    /// <summary>Float rows of fewer channels than a Vector128 holds: Vector256s in memory order, per-channel values in the lanes' repeating order.</summary>
    Periodic,
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

    /// <summary>Small enough for straight-line code: every value of a channel in a local.</summary>
    public bool FitsUnrolled => Unrolls(Outer, Channels, Inner);

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
        // Channels as vector lanes beat straight-line code at every size measured (e.g. [32, 4] training 64 ns against
        // 541, [8, 16] inference 11 against 94), except where 8 rows fill a Vector256 (4 for double), taken as one
        // vector a row (the float patterns) or transposed (double): inference, and training with few channels (float
        // [8, 4] 19 ns against 25, double [4, 3] 17.5 against 19.7); with more, training takes one square root per
        // channel there (float [8, 8] 83 ns against 29, double [4, 4] 22.7 against 14.2).
        int oneVectorTrainingMax = spec.Element == ElementType.Float ? Limits.PatternTrainingMaxChannels : Limits.TransposedDoubleTrainingMaxChannels;
        bool oneVectorOfRows = inner == 1 && outer == 32 / size && channels <= Limits.TransposeMaxColumns
            && (!spec.Training || channels <= oneVectorTrainingMax);
        ChannelStrategy strategy =
            oneVectorOfRows ? ChannelStrategy.OneVectorOfRows
            : inner == 1 && (long)channels * size >= 16 ? ChannelStrategy.Blocks
            : PeriodicFits(spec.Element, outer, channels, inner) ? ChannelStrategy.Periodic
            : Unrolls(outer, channels, inner) ? ChannelStrategy.Unrolled
            // Runs of 2 or more values, however short, in memory order with vector passes: the strided scalar loops were
            // slower ([32, 16, 10] training 9.4 us against 2.9, [16, 3, 7] 648 ns against 280; 1.5 to 3 times faster
            // than the naive loop now, 0.8 to 0.9 times then).
            : inner > 1 ? ChannelStrategy.Runs
            : ChannelStrategy.Strided;
        return new BatchNormPlan(outer, channels, inner, strategy);
    }

    /// <summary>
    /// Float, at least one period of lcm(C x L, 8) elements, and either inner 1 with fewer channels than a Vector128 holds
    /// (C &lt;= 3) or runs of 2 or 3 values (no vector of the statistics pass fits one) whose period is at most
    /// <see cref="Limits.PeriodicMaxVectors"/> Vector256s. Measured against the scalar plans (2026-11-25), [256, 3]
    /// training 1413 -> 212 ns, [64, 3] inference 108 -> 23, [16, 3] training 77 -> 39 (the naive loops: 2086, 179 and
    /// 130); [10, 3] inference 21.8 -> 13.4, training 56.9 -> 48.2.
    /// </summary>
    private static bool PeriodicFits(ElementType element, int outer, int channels, int inner)
    {
        if (element != ElementType.Float || (long)outer * channels * inner < Period((long)channels * inner, 8))
        {
            return false;
        }

        return inner == 1
            ? channels * element.Size() < 16
            : inner * element.Size() < 16 && Period((long)channels * inner, 8) / 8 <= Limits.PeriodicMaxVectors;
    }

    /// <summary>
    /// Elements per table of the in-order store pass over short runs (<see cref="Limits.PeriodTableRunMaxBytes"/>):
    /// element e of the tensor is of channel (e / Inner) % Channels, a pattern that repeats every Channels x Inner
    /// elements, and every lcm(Channels x Inner, 64 bytes) elements at the same place in a vector of any width. The pass
    /// takes that period at a time with each per-channel value laid out per element in a stack table of this length
    /// (3 tables in inference: center, scale, bias; 4 in training: shift, mu, scale, bias), so its vectors run across
    /// the ends of the runs. 0: the runs are long enough for vectors of their own, the tables would not fit
    /// <see cref="Limits.PeriodTablesMaxBytes"/>, the tensor holds fewer than <see cref="Limits.PeriodTableMinPeriods"/>
    /// periods to pay for filling them, or training has fewer than <see cref="Limits.PeriodTableTrainingMinChannels"/>
    /// channels. Training's channel blocks never meet the tables: a block needs rows of 4 KB, so 4 tables of a period
    /// would pass 16 KB.
    /// </summary>
    public int PeriodTableLength(ElementType element, bool training)
    {
        int size = element.Size();
        if (Strategy != ChannelStrategy.Runs || (long)Inner * size >= Limits.PeriodTableRunMaxBytes
            || (training && Channels < Limits.PeriodTableTrainingMinChannels))
        {
            return 0;
        }

        int tables = training ? 4 : 3;
        long period = Period((long)RunStride, 64 / size);
        return (long)Outer * RunStride >= Limits.PeriodTableMinPeriods * period && period * tables * size <= Limits.PeriodTablesMaxBytes ? (int)period : 0;
    }

    /// <summary>Small enough for straight-line code: every value of a channel in a local.</summary>
    private static bool Unrolls(int outer, int channels, int inner) =>
        (long)outer * channels * inner <= Limits.UnrolledElementsMax && (long)outer * inner <= Limits.UnrolledChannelMax;

    /// <summary>Elements after which the channels of consecutive lanes repeat: lcm(C, lanes).</summary>
    public static int Period(int channels, int lanes) => (int)Period((long)channels, lanes);

    private static long Period(long stride, int lanes) => stride / Gcd(stride, lanes) * lanes;

    private static long Gcd(long a, long b) => b == 0 ? a : Gcd(b, a % b);
}

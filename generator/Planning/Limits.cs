namespace FixedNorm.Generator.Planning;

/// <summary>
/// The unroll limits. Each keeps the emitted code small for any shape (see README, "Limits"):
/// no number below grows with the shape, only loop trip counts do.
/// </summary>
internal static class Limits
{
    /// <summary>The most dimensions a shape may have (FN0022): beyond any framework's practical use, and it keeps messages readable.</summary>
    public const int MaxRank = 16;

    /// <summary>
    /// A LayerNorm group narrower than one 128-bit vector (3 floats, 1 double) is written as straight-line scalar code;
    /// wider ones take vector passes with their tails resolved at compile time (except the groups left over after
    /// transposed blocks of 8 or 4, which stay straight-line: at most 8 elements each). Measured against scalar groups of up to
    /// 63 bytes (2026-11-25): [64, 12] 1236 -> 521 ns, [5, 7] 72 -> 43, [4, 4] 27 -> 19, [3, 8] 40 -> 18.
    /// </summary>
    public const int ScalarGroupMaxBytes = 15;

    /// <summary>
    /// LayerNorm groups of 64 bytes up to this many (16 to 256 floats, 8 to 128 doubles) go a vector's worth of groups
    /// at a time (BatchedLayerNormEmitter): their lane sums added across the groups by one tree of shuffles, one square
    /// root and division for all of them, where the per-group code takes each group's sums, square root and division one
    /// after another. Generated kernels on Zen 4 (2026-12-05 near 09:00 UTC, the better median of two processes each,
    /// the per-group code then batched; the whole table is in docs/benchmarks.md): [1024, 16] 10.7 -> 4.7 us,
    /// [262144, 16] (16 MB) 2.81 -> 1.26 ms, [4096, 32] 52 -> 25 us, [1024, 64] 17.8 -> 9.9, [1024, 128] 27.3 -> 21.2,
    /// [4096, 256] 190 -> 162; groups that are not a whole number of vectors (near 09:25): [1024, 17] 13.0 -> 6.6,
    /// [1024, 24] 15.5 -> 6.7, [1024, 100] 26.3 -> 17.9, [1024, 200] 41.2 -> 35.5. Groups of 1.5 KB were no faster
    /// batched ([512, 384] 30.2 to 32.8 us against 29.8 to 32.0). Where the per-group code streams its output (8 MB or
    /// more of groups of whole 64-byte lines, 512 bytes or more) it stays: [16384, 256] 1.13 to 1.20 ms streamed, 1.33
    /// to 1.48 batched.
    /// </summary>
    public const int BatchedGroupMaxBytes = 1024;

    /// <summary>
    /// Batched groups are 64 bytes or more (a Vector512 of them, 16 floats or 8 doubles), and there are at least a
    /// Vector512's worth of them (16 float groups, 8 double ones).
    /// </summary>
    public const int BatchedGroupMinBytes = 64;

    /// <summary>
    /// Batched groups of up to this many vectors at a path's width are written out vector by vector; longer ones take a
    /// loop over each group's vectors, which keeps the kernel small enough for the JIT to optimize.
    /// </summary>
    public const int BatchedUnrolledVectorsMax = 4;

    /// <summary>Groups of at most this many bytes (and <see cref="TransposeMaxColumns"/> elements) can be transposed.</summary>
    public const int TransposeMaxGroupBytes = 63;

    /// <summary>Straight-line groups are written one after another, with no loop, up to this many elements in all.</summary>
    public const int UnrolledElementsMax = 128;

    /// <summary>A BatchNorm channel is written out in locals only up to this many values.</summary>
    public const int UnrolledChannelMax = 32;

    /// <summary>
    /// Across-channel BatchNorm sums run over chunks of this many rows before adding into double totals: a float lane adds
    /// at most this many values in float, and a double sum rounds against a chunk, not the whole. Over 64 rows, the float
    /// rounding of the squares, magnified up to 17 times by a first row just inside 4 standard deviations, put running
    /// variances 7 float ulps and rstd 32 ulps from float64 (TrainingStatisticsAccuracyTests); over 8, 1.2 and 6. The
    /// widening costs 5 to 8 % of those kernels.
    /// </summary>
    public const int RowChunk = 8;

    /// <summary>
    /// Groups of at most this many elements are transposed in registers (a Vector256 per column, a group per lane)
    /// when there are enough groups to fill the lanes; the transpose costs about columns^2 shuffles.
    /// </summary>
    public const int TransposeMaxColumns = 8;

    /// <summary>
    /// Float BatchNorm training on one Vector256 of rows keeps the row vectors (no transpose) up to this many channels,
    /// whose statistics fit the 4 lanes of one Vector256 of doubles; wider channels go as vector lanes instead.
    /// </summary>
    public const int PatternTrainingMaxChannels = 4;

    /// <summary>Double BatchNorm training on one Vector256 of rows (4) transposes them up to this many channels.</summary>
    public const int TransposedDoubleTrainingMaxChannels = 3;

    /// <summary>
    /// Scalar groups (narrower than a vector) are written out one by one, with no loop, when there are fewer than this
    /// many: the groups left over after the transposed blocks, or all of them. Vector groups are, only when there is one.
    /// </summary>
    public const int UnrolledRemainderGroupsMax = 16;

    /// <summary>
    /// Channels-last inference streams rows in memory order with every block of channels in registers, up to this many
    /// blocks (128 float channels in 512-bit vectors); wider rows go block by block.
    /// </summary>
    public const int RowOrderBlocksMax = 8;

    /// <summary>
    /// Channels-last training streams rows in memory order with every block of channels in registers (two accumulators
    /// and a shift each, then shift, mu, scale and bias) up to this many blocks (a last one overlapping the one before it where
    /// the channels are not whole blocks); with more, its statistics take this
    /// many blocks at a time (ChannelTablesBatchNormEmitter), on every path: on Vector256 with AVX2's 16 registers, 4 were
    /// faster than 2 ([16, 32, 32, 64] training 263 to 296 us against 405, [16, 16, 16, 256] 341 to 360 against 388 on Zen 4).
    /// </summary>
    public const int RowOrderTrainingBlocksMax = 4;

    /// <summary>
    /// In-order BatchNorm training adds each run's vector sums into two double vectors per channel on the stack, up to
    /// this many bytes (256 channels at 512 bits); with more channels each run's sums are added up horizontally.
    /// </summary>
    public const int StackPartialsMaxBytes = 32 * 1024;

    /// <summary>
    /// BatchNorm training in memory order: runs of one channel read per visit in the statistics pass (a power of two;
    /// fewer when the rows do not divide). [32, 64, 128] float: pass 1 14.5 us with 1, 12.4 with 2, 11.5 with 4.
    /// </summary>
    public const int RunsPerVisitMax = 4;

    /// <summary>
    /// BatchNorm training in memory order over more input than this: the channels in blocks of at most this many bytes,
    /// each block's statistics then its output while its input is in L2 (1 MB per core here). Float, 4 rows a visit:
    /// [4, 512, 256] 67.2 us in one block, 60.7 in blocks of 64 channels; [16, 32, 32, 32] 61.8 and 58.0 (blocks of 4).
    /// Before rows per visit, [32, 64, 128]: 33.0 us in one block, 31.2 in blocks of 16 or 32, 31.9 of 4, 42 of 1.
    /// </summary>
    public const int ChannelBlockMaxBytes = 256 * 1024;

    /// <summary>
    /// Blocks of channels only where each row still has this many contiguous bytes of the block to read, enough for
    /// the hardware prefetchers (blocks of 1 or 2 channels of 512 bytes were slower than no blocks; [8, 67, 1024] float
    /// in 67 blocks of one 4 KB channel row took 60.7 us against 74.0 in one block). Block sizes divide the channels, so
    /// a prime count with short rows ([64, 127, 256]) goes unblocked.
    /// </summary>
    public const int ChannelBlockMinRunBytes = 4096;

    /// <summary>
    /// BatchNorm's channel-tables plan (channels-last past the registers) keeps its per-channel tables within this many
    /// bytes of stack (1,170 float channels in training, 819 double; 8,192 float in inference); wider rows go block by block.
    /// </summary>
    public const int ChannelTablesMaxBytes = 32 * 1024;

    /// <summary>
    /// BatchNorm's channel-tables plan stores a chunk of rows at most this big at a time (in the 32 to 48 KB L1 with its
    /// output), each group of blocks with its per-channel values in registers.
    /// </summary>
    public const int StoreChunkMaxBytes = 16 * 1024;

    /// <summary>Per-channel constants go in stack buffers (3 x this many elements at most) for in-order inference.</summary>
    public const int StackChannelsMax = 1024;

    /// <summary>
    /// In-order BatchNorm's store pass over runs shorter than this many bytes (under one Vector512) goes a period of
    /// memory at a time, its per-channel values laid out per element in stack tables, instead of run by run.
    /// </summary>
    public const int PeriodTableRunMaxBytes = 64;

    /// <summary>The period tables of that store pass together (3 of them for inference, 4 for training): in L1 beside the data.</summary>
    public const int PeriodTablesMaxBytes = 16 * 1024;

    /// <summary>
    /// Periods the tensor must hold for that store pass: filling the tables costs about what a period's pass does
    /// (inference [16, 3, 7], one period of 336 values: 126 ns against 82 run by run; [32, 16, 10], 32 periods of 160:
    /// 338 ns against 588).
    /// </summary>
    public const int PeriodTableMinPeriods = 4;

    /// <summary>
    /// Training takes the period tables from this many channels: in training they cost time on 2 channels ([128, 2, 2]
    /// 598 -> 678 ns, [4096, 2, 2] 17.9 -> 20.3 us, [33, 2, 9] 306 -> 333 ns) and save it on more ([64, 8, 3]
    /// 1750 -> 1290 ns, [1024, 3, 7] 14.7 -> 11.6 us, [32, 16, 10] 2.70 -> 2.44 us), measured 2026-11-25 in one harness.
    /// </summary>
    public const int PeriodTableTrainingMinChannels = 3;

    /// <summary>
    /// LayerNorm's vector plan sums deviations from a group's first element in one pass. When that element lies more than
    /// this many standard deviations from the mean, the variance is computed again around the mean (a second pass), so the
    /// rounding of the shifted sums is never magnified more than 1 + this^2 times.
    /// </summary>
    public const int ShiftDeviationsMax = 4;

    /// <summary>
    /// LayerNorm's vector plan stores two groups per pass (weight and bias loaded once for both) when input and output
    /// together take at most this many bytes (about the L2 cache); beyond, one group at a time streams better.
    /// </summary>
    public const long PairedGroupsMaxBytes = 1 << 21;

    /// <summary>
    /// LayerNorm's aligned plan (groups of whole 64-byte lines; see AlignedLayerNormEmitter) needs this many
    /// groups: it copies weight and bias to the stack once per call ([8, 768] measured 10 % slower than pairs).
    /// </summary>
    public const int AlignedGroupsMin = 16;

    /// <summary>
    /// The aligned plan's groups take at least this many bytes: narrower groups spend too much on their first and last
    /// vectors and their statistics ([256, 256] floats measured 8 % slower than pairs, [128, 512] 10 % faster).
    /// </summary>
    public const int AlignedGroupMinBytes = 2048;

    /// <summary>
    /// And at most this many: with wider groups, this group, the next, the output, weight and bias overflow the L1 cache
    /// ([64, 2048] floats measured 15 % faster than pairs, [32, 3072] 20 % and [32, 4096] 30 % slower).
    /// </summary>
    public const int AlignedGroupMaxBytes = 8192;

    /// <summary>
    /// Beyond <see cref="PairedGroupsMaxBytes"/> the aligned plan still takes groups of at most this many bytes, as long
    /// as the output is not streamed (<see cref="StreamedOutputMinBytes"/>). Against one group at a time on Zen 4
    /// (2026-12-05, same process, two placements): [384 to 2730, 768] floats 14 to 22 % faster, [1000, 1024] and
    /// [1024, 1024] 15 to 17 %, [512, 1536] 16 to 18 %, [1024, 512] and [2048, 512] 4 to 11 %, [1024, 384] doubles 18 %;
    /// [256, 2048] (8 KB groups) 7 to 21 % slower.
    /// </summary>
    public const int AlignedOutOfCacheGroupMaxBytes = 6144;

    /// <summary>
    /// LayerNorm's one-group-at-a-time plan streams an output of at least this many bytes past the caches (non-temporal
    /// stores: no read for ownership, nothing evicted) when a group is a whole number of 64-byte lines. On [N, 768] floats
    /// streaming measured 1.1x faster at 3 MB of output and 1.8x at 12 MB and above on Zen 5 (2026-11-24); on Zen 4
    /// (2026-12-05) 1.2 to 1.3x slower at 3 and 6 MB (the 32 MB L3 holds input and output), about even at 12 MB, 1.25x faster
    /// at 48 MB, and 1.3x faster at 8 MB in groups of 16 and 32 KB. Below this size the output is left in the caches,
    /// where the code that reads it next finds it.
    /// </summary>
    public const long StreamedOutputMinBytes = 8L << 20;

    /// <summary>
    /// And only when a group takes at least this many bytes: smaller groups are mostly per-group work (the sums' lanes,
    /// the square root), and streaming them was slower on Zen 4 (2026-12-05, floats, against the same kernels storing
    /// into the caches): 48 MB of groups of 16 and 64 floats 18 and 21 % slower streamed, 16 MB of groups of 16 to 64
    /// 10 to 24 % slower; groups of 128 floats (512 bytes) 5 to 6 % faster streamed, 3 KB to 32 KB groups 20 to 45 %.
    /// </summary>
    public const int StreamedGroupMinBytes = 512;

    /// <summary>
    /// BatchNorm's aligned store passes (inference, and training's second pass) stream an output of at least this many
    /// bytes. A plain Vector512 pass of
    /// one load, one fused multiply-add and one aligned store per vector, against the same with non-temporal stores (Zen 4,
    /// 2026-12-05, one process): 2 and 4 MB 28 and 39 % slower streamed, 8 MB 14 % slower, 12 MB 4 % faster, 16 MB 16 %,
    /// 24 MB 30 %, 32 and 48 MB 34 % faster (where `CopyTo` takes as long as the ordinary stores).
    /// </summary>
    public const long StreamedBatchNormOutputMinBytes = 16L << 20;

    /// <summary>Independent vector accumulators (and vectors per loop iteration).</summary>
    public const int Accumulators = 4;

    /// <summary>
    /// Store passes load this many vectors of their input before they store any (<see cref="Emitting.VectorPasses.ForEach"/>).
    /// A load waits for an earlier store whose address agrees with it in its low 12 bits, and arrays allocated one after
    /// the other often put the output a few vectors past the input modulo 4 KB. NCL [32, 64, 128] inference's store pass,
    /// output 64 bytes past the input (Zen 4, 2026-12-04): loads between stores 33.3 us, 4 loads first 25.8, 8 first 24.5,
    /// 16 first 24.5 (CopyTo 22.6); 256 bytes past: 27.0, 27.7, 26.0, 25.7. At other distances all four within 5 %.
    /// </summary>
    public const int StoreUnroll = 8;

    /// <summary>
    /// Sums run over chunks of this many elements: each chunk's vector sum (at most 1024 / 16 / 4 = 16 adds a lane
    /// for 512-bit floats) is added into a double, so rounding error does not grow with the group size.
    /// </summary>
    public const int SumChunk = 1024;

    /// <summary>
    /// BatchNorm's periodic plan over runs of 2 or 3 floats: at most this many Vector256s per period of lcm(C x L, 8)
    /// elements (C x L = 2, 3, 4, 6, 8, 12, 16 or 24), so the store pass's per-lane constants (4 vectors per vector of
    /// the period) stay in registers.
    /// </summary>
    public const int PeriodicMaxVectors = 3;
}

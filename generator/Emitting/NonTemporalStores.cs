using FixedNorm.Generator.Model;
using FixedNorm.Generator.Planning;

namespace FixedNorm.Generator.Emitting;

/// <summary>
/// Stores straight to memory: MemoryHints.StoreNonTemporal (which pins, checks the alignment and otherwise stores
/// normally), and the fence after a pass of them. LayerNorm's <see cref="StreamingStore"/> writes its streamed groups
/// with them; BatchNorm's aligned store passes (<see cref="AlignedRunsBatchNormEmitter"/>,
/// <see cref="AlignedRowsBatchNormEmitter"/>, for inference and for training's second pass), whose stores from the
/// output's element head on are aligned, write an output of at least
/// <see cref="Limits.StreamedBatchNormOutputMinBytes"/> with them.
/// </summary>
internal static class NonTemporalStores
{
    /// <summary>Whether a BatchNorm kernel's output is large enough to stream.</summary>
    public static bool Applies(BatchNormSpec spec, BatchNormPlan plan) => OutputBytes(spec, plan) >= Limits.StreamedBatchNormOutputMinBytes;

    /// <summary>A store of <paramref name="value"/> at <paramref name="offset"/> of <paramref name="reference"/>: streamed, or ordinary.</summary>
    public static string Store(bool streamed, string vectorClass, string value, string reference, string offset) => streamed
        ? $"{Names.MemoryHints}.StoreNonTemporal({value}, ref {LayerNormEmitter.At(reference, offset)});"
        : VectorPasses.Store(vectorClass, value, reference, offset);

    /// <summary>The comment that says so, before the pass.</summary>
    public static void EmitNote(SourceWriter writer, BatchNormSpec spec, BatchNormPlan plan) =>
        writer.Line($"// The output ({OutputBytes(spec, plan) >> 20} MB) is streamed: the aligned stores go straight to memory (non-temporal), without reading each line first.");

    /// <summary>After the pass: the fence that orders the streamed stores before anything this thread writes next.</summary>
    public static void EmitFence(SourceWriter writer) =>
        writer.Line($"{Names.MemoryHints}.StoreFence();");

    private static long OutputBytes(BatchNormSpec spec, BatchNormPlan plan) => (long)plan.Outer * plan.Channels * plan.Inner * spec.Element.Size();
}

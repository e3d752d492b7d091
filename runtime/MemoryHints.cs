using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace FixedNorm;

/// <summary>
/// Hints generated kernels give the memory system. Called by generated code only; not meant to be called by hand.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class MemoryHints
{
    /// <summary>
    /// Asks for the cache lines of [<paramref name="start"/>, + <paramref name="bytes"/>) to be fetched into the caches
    /// (x86 PREFETCHT0 per 64-byte line; nothing elsewhere). A hint only: it reads nothing, and the range must lie
    /// within the caller's span.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Prefetch<T>(ref T start, int bytes)
    {
        if (Sse.IsSupported)
        {
            // A stale address (the GC moved the array since) only makes the hint useless; prefetches never fault.
            byte* line = (byte*)Unsafe.AsPointer(ref start);
            for (int offset = 0; offset < bytes; offset += 64)
            {
                Sse.Prefetch0(line + offset);
            }
        }
    }
}

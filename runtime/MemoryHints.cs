using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FixedNorm;

/// <summary>
/// Hints generated kernels give the memory system. Called by generated code only; not meant to be called by hand.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class MemoryHints
{
    /// <summary>
    /// The step of a store pass's loop over blocks of <paramref name="stride"/> elements: <paramref name="stride"/>
    /// (forwards), or its two's complement (backwards; add it unchecked) when the output lies 1 to 2047 bytes past the
    /// input modulo 4 KB. A load waits for an earlier store whose address agrees with it in the low 12 bits, and arrays
    /// allocated one after the other often put the output just past the input: going forwards, each block's loads would
    /// meet the stores of the blocks just before; going backwards they lie below all of them. In place (the same
    /// address), forwards.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nuint StoreStep<T>(ref T input, ref T output, nuint stride)
    {
        nint distance = Unsafe.ByteOffset(ref input, ref output) & 4095;
        return distance is > 0 and < 2048 ? unchecked(0 - stride) : stride;
    }

    /// <summary>
    /// How many elements from <paramref name="start"/> to the first address aligned to <paramref name="alignment"/>
    /// bytes (a power of two): 0 when it is aligned. Only a plan for <see cref="StoreNonTemporal{T}(Vector512{T}, ref T)"/>:
    /// if the GC moves the memory later, those stores see it and store the ordinary way.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe int ElementsToAlignment<T>(ref T start, int alignment)
        where T : unmanaged
    {
        nuint mask = (nuint)(alignment - 1);
        nuint bytes = ((nuint)alignment - ((nuint)Unsafe.AsPointer(ref start) & mask)) & mask;
        return (int)bytes / sizeof(T);
    }

    /// <summary>
    /// Where in <paramref name="buffer"/> a copy starts so that its element <paramref name="element"/> lies on an
    /// <paramref name="alignment"/>-byte boundary (a power of two): the buffer must hold alignment / sizeof(T) - 1
    /// elements more than the copy. Kernels copy weight and bias there (stack memory, which does not move) to load
    /// them aligned like their input.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe ref T AlignedCopyStart<T>(Span<T> buffer, int element, int alignment)
        where T : unmanaged
    {
        ref T start = ref MemoryMarshal.GetReference(buffer);
        int skip = (ElementsToAlignment(ref start, alignment) - element) & (alignment / sizeof(T) - 1);
        return ref Unsafe.Add(ref start, skip);
    }

    /// <summary>
    /// Stores <paramref name="value"/> at <paramref name="destination"/> past the caches (x86 MOVNTPS and kin) when the
    /// address is aligned to the vector's size, else the ordinary way. The memory is pinned for the store, so the
    /// address tested is the address written. Follow a run of these with <see cref="StoreFence"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void StoreNonTemporal<T>(Vector512<T> value, ref T destination)
        where T : unmanaged
    {
        fixed (T* address = &destination)
        {
            if (((nuint)address & 63) == 0)
            {
                Vector512.StoreAlignedNonTemporal(value, address);
            }
            else
            {
                Vector512.Store(value, address);
            }
        }
    }

    /// <inheritdoc cref="StoreNonTemporal{T}(Vector512{T}, ref T)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void StoreNonTemporal<T>(Vector256<T> value, ref T destination)
        where T : unmanaged
    {
        fixed (T* address = &destination)
        {
            if (((nuint)address & 31) == 0)
            {
                Vector256.StoreAlignedNonTemporal(value, address);
            }
            else
            {
                Vector256.Store(value, address);
            }
        }
    }

    /// <inheritdoc cref="StoreNonTemporal{T}(Vector512{T}, ref T)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void StoreNonTemporal<T>(Vector128<T> value, ref T destination)
        where T : unmanaged
    {
        fixed (T* address = &destination)
        {
            if (((nuint)address & 15) == 0)
            {
                Vector128.StoreAlignedNonTemporal(value, address);
            }
            else
            {
                Vector128.Store(value, address);
            }
        }
    }

    /// <summary>
    /// Orders the non-temporal stores before it ahead of every store after it (x86 SFENCE; a full barrier elsewhere),
    /// so a thread that sees a later write also sees the kernel's output.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreFence()
    {
        if (Sse.IsSupported)
        {
            Sse.StoreFence();
        }
        else
        {
            Interlocked.MemoryBarrier();
        }
    }
}

using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FixedNorm;

/// <summary>
/// Checks that generated kernels run at entry, before anything is written.
/// Called by generated code only; not meant to be called by hand.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ThrowHelper
{
    /// <summary>Throws unless <paramref name="actual"/> equals <paramref name="expected"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CheckLength(int actual, int expected, string paramName)
    {
        if (actual != expected)
        {
            ThrowLengthMismatch(paramName, expected, actual);
        }
    }

    /// <summary>
    /// Throws if <paramref name="written"/> overlaps <paramref name="other"/> in any way.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CheckNoOverlap<T>(ReadOnlySpan<T> written, ReadOnlySpan<T> other, string writtenName, string otherName) =>
        CheckNoOverlap(ref MemoryMarshal.GetReference(written), written.Length, ref MemoryMarshal.GetReference(other), other.Length, writtenName, otherName);

    /// <inheritdoc cref="CheckNoOverlap{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, string, string)"/>
    /// <remarks>The overloads that take a written <see cref="Span{T}"/> spare kernels a conversion (see <see cref="Overlaps{T}(Span{T}, int, ReadOnlySpan{T}, int)"/>).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CheckNoOverlap<T>(Span<T> written, ReadOnlySpan<T> other, string writtenName, string otherName) =>
        CheckNoOverlap(ref MemoryMarshal.GetReference(written), written.Length, ref MemoryMarshal.GetReference(other), other.Length, writtenName, otherName);

    /// <inheritdoc cref="CheckNoOverlap{T}(Span{T}, ReadOnlySpan{T}, string, string)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CheckNoOverlap<T>(Span<T> written, Span<T> other, string writtenName, string otherName) =>
        CheckNoOverlap(ref MemoryMarshal.GetReference(written), written.Length, ref MemoryMarshal.GetReference(other), other.Length, writtenName, otherName);

    /// <summary>
    /// Throws if <paramref name="written"/> overlaps <paramref name="other"/> other than by being
    /// exactly the same memory (same start, same length), which in-place kernels allow.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CheckSameOrNoOverlap<T>(ReadOnlySpan<T> written, ReadOnlySpan<T> other, string writtenName, string otherName) =>
        CheckSameOrNoOverlap(ref MemoryMarshal.GetReference(written), written.Length, ref MemoryMarshal.GetReference(other), other.Length, writtenName, otherName);

    /// <inheritdoc cref="CheckSameOrNoOverlap{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, string, string)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CheckSameOrNoOverlap<T>(Span<T> written, ReadOnlySpan<T> other, string writtenName, string otherName) =>
        CheckSameOrNoOverlap(ref MemoryMarshal.GetReference(written), written.Length, ref MemoryMarshal.GetReference(other), other.Length, writtenName, otherName);

    /// <inheritdoc cref="CheckSameOrNoOverlap{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, string, string)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CheckSameOrNoOverlap<T>(Span<T> written, Span<T> other, string writtenName, string otherName) =>
        CheckSameOrNoOverlap(ref MemoryMarshal.GetReference(written), written.Length, ref MemoryMarshal.GetReference(other), other.Length, writtenName, otherName);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckNoOverlap<T>(ref T written, int writtenLength, ref T other, int otherLength, string writtenName, string otherName)
    {
        if (Overlap(ref written, writtenLength, ref other, otherLength, out _))
        {
            ThrowOverlap(writtenName, otherName);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckSameOrNoOverlap<T>(ref T written, int writtenLength, ref T other, int otherLength, string writtenName, string otherName)
    {
        if (Overlap(ref written, writtenLength, ref other, otherLength, out nint byteOffset) && !(byteOffset == 0 && writtenLength == otherLength))
        {
            ThrowOverlap(writtenName, otherName);
        }
    }

    /// <summary>
    /// Whether <paramref name="written"/> and <paramref name="other"/> share memory, given their lengths (both above
    /// zero), which the kernel has just checked. Generated code passes the lengths as constants: inlined, a pair
    /// costs a subtraction and one unsigned comparison, and a kernel ORs all its pairs into one branch whose body runs
    /// the Check* methods above to name the pair. Kernels generated before 2026-12-05 call this
    /// one; later ones call the <see cref="Span{T}"/> overloads below.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Overlaps<T>(ReadOnlySpan<T> written, int writtenLength, ReadOnlySpan<T> other, int otherLength) =>
        RefsOverlap(ref MemoryMarshal.GetReference(written), writtenLength, ref MemoryMarshal.GetReference(other), otherLength);

    /// <summary>
    /// As <see cref="Overlaps{T}(ReadOnlySpan{T}, int, ReadOnlySpan{T}, int)"/>, for a written span as kernels take it:
    /// no conversion to <see cref="ReadOnlySpan{T}"/>, which in a large kernel the JIT judged not worth inlining and
    /// called (three calls a call of the [64, 768] LayerNorm, 2026-12-05).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Overlaps<T>(Span<T> written, int writtenLength, ReadOnlySpan<T> other, int otherLength) =>
        RefsOverlap(ref MemoryMarshal.GetReference(written), writtenLength, ref MemoryMarshal.GetReference(other), otherLength);

    /// <inheritdoc cref="Overlaps{T}(Span{T}, int, ReadOnlySpan{T}, int)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Overlaps<T>(Span<T> written, int writtenLength, Span<T> other, int otherLength) =>
        RefsOverlap(ref MemoryMarshal.GetReference(written), writtenLength, ref MemoryMarshal.GetReference(other), otherLength);

    /// <summary>
    /// As <see cref="Overlaps{T}(ReadOnlySpan{T}, int, ReadOnlySpan{T}, int)"/>, except that exactly the same memory
    /// (same start, same length), which in-place kernels allow, is not counted.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool OverlapsUnlessSame<T>(ReadOnlySpan<T> written, int writtenLength, ReadOnlySpan<T> other, int otherLength) =>
        RefsOverlapUnlessSame(ref MemoryMarshal.GetReference(written), writtenLength, ref MemoryMarshal.GetReference(other), otherLength);

    /// <inheritdoc cref="OverlapsUnlessSame{T}(ReadOnlySpan{T}, int, ReadOnlySpan{T}, int)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool OverlapsUnlessSame<T>(Span<T> written, int writtenLength, ReadOnlySpan<T> other, int otherLength) =>
        RefsOverlapUnlessSame(ref MemoryMarshal.GetReference(written), writtenLength, ref MemoryMarshal.GetReference(other), otherLength);

    /// <inheritdoc cref="OverlapsUnlessSame{T}(ReadOnlySpan{T}, int, ReadOnlySpan{T}, int)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool OverlapsUnlessSame<T>(Span<T> written, int writtenLength, Span<T> other, int otherLength) =>
        RefsOverlapUnlessSame(ref MemoryMarshal.GetReference(written), writtenLength, ref MemoryMarshal.GetReference(other), otherLength);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool RefsOverlap<T>(ref T written, int writtenLength, ref T other, int otherLength)
    {
        // With d = written - other in bytes, the two share memory when -writtenBytes < d < otherBytes, that is when
        // d + writtenBytes - 1 lies in [0, writtenBytes + otherBytes - 1); below that range the sum wraps around to a
        // large unsigned value.
        nuint writtenBytes = (nuint)writtenLength * (nuint)Unsafe.SizeOf<T>();
        nuint otherBytes = (nuint)otherLength * (nuint)Unsafe.SizeOf<T>();
        nuint d = (nuint)Unsafe.ByteOffset(ref other, ref written);
        return d + (writtenBytes - 1) < writtenBytes + otherBytes - 1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool RefsOverlapUnlessSame<T>(ref T written, int writtenLength, ref T other, int otherLength) =>
        RefsOverlap(ref written, writtenLength, ref other, otherLength)
        & !(Unsafe.AreSame(ref written, ref other) && writtenLength == otherLength);

    /// <summary>
    /// Whether two spans share memory (empty spans share none), as <c>MemoryExtensions.Overlaps</c> but inlined:
    /// that one is a call, which costs more than a whole [8, 3] kernel's arithmetic.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Overlap<T>(ref T first, int firstLength, ref T second, int secondLength, out nint byteOffset)
    {
        byteOffset = Unsafe.ByteOffset(ref first, ref second);
        nuint firstBytes = (nuint)firstLength * (nuint)Unsafe.SizeOf<T>();
        nuint secondBytes = (nuint)secondLength * (nuint)Unsafe.SizeOf<T>();
        return (nuint)byteOffset < firstBytes || (nuint)(-byteOffset) < secondBytes;
    }

    /// <summary>Throws the exception for a span whose length is not what the shape requires.</summary>
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowLengthMismatch(string paramName, int expected, int actual) =>
        throw new ArgumentException(
            $"'{paramName}' must have length {expected} for this kernel's shape, but has length {actual}.",
            paramName);

    /// <summary>Throws the exception for an output span that partially overlaps another span.</summary>
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowOverlap(string writtenName, string otherName) =>
        throw new ArgumentException(
            $"'{writtenName}' overlaps '{otherName}'. Only 'output' may be the very same memory as 'input' (in place); any other overlap is not allowed.",
            writtenName);
}

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
    public static void CheckNoOverlap<T>(ReadOnlySpan<T> written, ReadOnlySpan<T> other, string writtenName, string otherName)
    {
        if (Overlap(written, other, out _))
        {
            ThrowOverlap(writtenName, otherName);
        }
    }

    /// <summary>
    /// Throws if <paramref name="written"/> overlaps <paramref name="other"/> other than by being
    /// exactly the same memory (same start, same length), which in-place kernels allow.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CheckSameOrNoOverlap<T>(ReadOnlySpan<T> written, ReadOnlySpan<T> other, string writtenName, string otherName)
    {
        if (Overlap(written, other, out nint byteOffset) && !(byteOffset == 0 && written.Length == other.Length))
        {
            ThrowOverlap(writtenName, otherName);
        }
    }

    /// <summary>
    /// Whether <paramref name="written"/> and <paramref name="other"/> share memory, given their lengths (both above
    /// zero), which the kernel has just checked. Generated code passes the lengths as constants: inlined, a pair
    /// costs a subtraction and one unsigned comparison, and a kernel ORs all its pairs into one branch whose body runs
    /// the Check* methods above to name the pair.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Overlaps<T>(ReadOnlySpan<T> written, int writtenLength, ReadOnlySpan<T> other, int otherLength)
    {
        // With d = written - other in bytes, the two share memory when -writtenBytes < d < otherBytes, that is when
        // d + writtenBytes - 1 lies in [0, writtenBytes + otherBytes - 1); below that range the sum wraps around to a
        // large unsigned value.
        nuint writtenBytes = (nuint)writtenLength * (nuint)Unsafe.SizeOf<T>();
        nuint otherBytes = (nuint)otherLength * (nuint)Unsafe.SizeOf<T>();
        nuint d = (nuint)Unsafe.ByteOffset(ref MemoryMarshal.GetReference(other), ref MemoryMarshal.GetReference(written));
        return d + (writtenBytes - 1) < writtenBytes + otherBytes - 1;
    }

    /// <summary>
    /// As <see cref="Overlaps{T}"/>, except that exactly the same memory (same start, same length), which in-place
    /// kernels allow, is not counted.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool OverlapsUnlessSame<T>(ReadOnlySpan<T> written, int writtenLength, ReadOnlySpan<T> other, int otherLength) =>
        Overlaps(written, writtenLength, other, otherLength)
        & !(Unsafe.AreSame(ref MemoryMarshal.GetReference(written), ref MemoryMarshal.GetReference(other)) && writtenLength == otherLength);

    /// <summary>
    /// Whether two spans share memory (empty spans share none), as <c>MemoryExtensions.Overlaps</c> but inlined:
    /// that one is a call, which costs more than a whole [8, 3] kernel's arithmetic.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Overlap<T>(ReadOnlySpan<T> first, ReadOnlySpan<T> second, out nint byteOffset)
    {
        byteOffset = Unsafe.ByteOffset(ref MemoryMarshal.GetReference(first), ref MemoryMarshal.GetReference(second));
        nuint firstBytes = (nuint)first.Length * (nuint)Unsafe.SizeOf<T>();
        nuint secondBytes = (nuint)second.Length * (nuint)Unsafe.SizeOf<T>();
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

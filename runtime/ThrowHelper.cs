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

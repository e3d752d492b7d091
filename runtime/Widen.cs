using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FixedNorm;

/// <summary>
/// Conversions generated scalar code uses. Called by generated code only; not meant to be called by hand.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Widen
{
    /// <summary>
    /// <paramref name="value"/> as a double, exactly as <c>(double)value</c>. The plain conversion compiles to x86's
    /// <c>cvtss2sd</c>, which keeps the upper half of its destination register and so waits for whatever last wrote
    /// that register: when the JIT reuses one register for every element of a straight-line kernel, each element waits
    /// for the one before (the [16, 3] BatchNorm inference, 48 elements: 128 ns a call). A scalar load, which clears
    /// the register, and <c>cvtps2pd</c> have no such dependency (34 ns, the same results).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double ToDouble(float value) =>
        Vector128.IsHardwareAccelerated ? Vector128.WidenLower(Vector128.CreateScalarUnsafe(value)).ToScalar() : value;
}

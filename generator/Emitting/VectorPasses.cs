using FixedNorm.Generator.Model;
using FixedNorm.Generator.Planning;

namespace FixedNorm.Generator.Emitting;

/// <summary>
/// Writes passes over a contiguous run of elements with compile-time layout (see <see cref="SegmentLayout"/>):
/// sums over vectors with independent accumulators, and element-wise stores. This file: the code paths per vector width
/// and the expressions every pass writes; the passes are in VectorPasses.Sums.cs, VectorPasses.RawSums.cs and
/// VectorPasses.Stores.cs.
/// </summary>
internal sealed partial class VectorPasses(SourceWriter writer, ElementType element, VectorWidth width, bool fusedMultiplyAdd = false)
{
    /// <summary>The width of the full vectors this writes.</summary>
    public VectorWidth Width => width;

    /// <summary>
    /// Writes one code path per vector width: "if (Vector512.IsHardwareAccelerated) { Vector512Path(...); } else if
    /// (Vector256...) { ... } else { Vector128Path(...); }", each path a static local function taking a ref to each
    /// span's first element (<paramref name="spans"/>, named as the entry checks name them). The JIT folds the tests,
    /// compiles only the path the machine takes, and gives it its own locals. With the three paths in one method, a
    /// large kernel has more than 512 locals, past which the JIT inlines no call at all: [BatchNorm(256, 64)] with mean
    /// and rstd then called Vector512.Widen in its loops and took 3.9 us instead of 2.8, [BatchNorm(16, 32, 32, 64,
    /// ChannelAxis = -1)] 355 instead of 197, against the same kernels without mean and rstd (every method compiled fully
    /// optimized at once; Zen 4, 2026-12-05). Robustness/MachineCodeTests checks that no kernel calls anything but its
    /// throw helpers.
    /// </summary>
    public static void EmitPerWidth(SourceWriter writer, ElementType element, IReadOnlyList<SpanParameter> spans, Action<VectorWidth> emitPath)
    {
        string arguments = string.Join(", ", spans.Select(s => $"ref {s.Name}Ref"));
        string parameters = string.Join(", ", spans.Select(s => $"ref {element.Keyword()} {s.Name}Ref"));
        writer.Line();
        for (int i = 0; i < VectorWidth.All.Length; i++)
        {
            VectorWidth width = VectorWidth.All[i];
            bool last = i == VectorWidth.All.Length - 1;
            string header = last ? "else" : $"{(i == 0 ? "if" : "else if")} ({width.Class}.IsHardwareAccelerated)";
            using (writer.Block(header))
            {
                writer.Line($"{PathName(width)}({arguments});");
            }
        }

        writer.Line();
        writer.Line("// A local function a vector width: the JIT compiles only the one this machine takes, with no other path's locals.");
        for (int i = 0; i < VectorWidth.All.Length; i++)
        {
            VectorWidth width = VectorWidth.All[i];
            if (i > 0)
            {
                writer.Line();
            }

            using (writer.Block($"static void {PathName(width)}({parameters})"))
            {
                if (i == VectorWidth.All.Length - 1)
                {
                    writer.Line("// Vector128: also correct, if slower, where it is not accelerated.");
                }

                emitPath(width);
            }
        }
    }

    private static string PathName(VectorWidth width) => $"Vector{width.Bits}Path";

    /// <summary>"Vector512.LoadUnsafe(ref x)" or "Vector512.LoadUnsafe(ref x, offset)".</summary>
    public static string Load(string vectorClass, string reference, string offset) =>
        offset == "0" ? $"{vectorClass}.LoadUnsafe(ref {reference})" : $"{vectorClass}.LoadUnsafe(ref {reference}, {offset})";

    /// <summary>
    /// The upper half of the float vector at <paramref name="offset"/> of <paramref name="reference"/> (loaded into
    /// <paramref name="loaded"/>), widened to double. On Vector512, from memory:
    /// "Vector512.WidenLower(Vector256.ToVector512Unsafe(Vector256.LoadUnsafe(ref x, offset + 8)))", which the JIT folds
    /// into one convert with a memory operand, where WidenUpper of the loaded vector extracts its upper half first. Float
    /// BatchNorm training's statistics pass ([32, 64, 128], Zen 4, 2026-12-04): 27.4 us with WidenUpper, 24.4 this way
    /// (12.6 with no widening at all); whole kernels 3 to 7 % faster ([32, 64, 128] 53.4 -> 50.6 us, [16, 32, 32, 64]
    /// channels-last 207 -> 197). Vector512 only: on the Vector256 path (AVX-512 turned off) channels-last training was
    /// 5 % slower this way ([16, 32, 32, 64] 258-262 -> 273-276 us), and a 64-bit half is no vector of its own on x64.
    /// </summary>
    public static string WidenUpperFromMemory(VectorWidth width, string loaded, string reference, string offset)
    {
        if (width != VectorWidth.V512)
        {
            return $"{width.Class}.WidenUpper({loaded})";
        }

        string half = "global::System.Runtime.Intrinsics.Vector256";
        return $"{width.Class}.WidenLower({half}.ToVector512Unsafe({Load(half, reference, OffsetPlus(offset, width.Lanes(ElementType.Float) / 2))}))";
    }

    /// <summary>An offset expression plus a constant: "24" for "16" and 8, "i + 24" for "i + 16", "row + 8" for "row".</summary>
    public static string OffsetPlus(string offset, int add)
    {
        if (long.TryParse(offset, out long value))
        {
            return Literals.Int(value + add);
        }

        int plus = offset.LastIndexOf(" + ", StringComparison.Ordinal);
        if (plus >= 0 && long.TryParse(offset.Substring(plus + 3), out long tail))
        {
            return $"{offset.Substring(0, plus)} + {Literals.Int(tail + add)}";
        }

        return $"{offset} + {Literals.Int(add)}";
    }

    /// <summary>
    /// The fused multiply-add of a vector class: <c>FusedMultiplyAdd</c>, or on Vector128 <c>MultiplyAddEstimate</c>,
    /// which is the same fused instruction where the processor has FMA (every x64 processor with AVX2, every Arm64 one)
    /// and a multiply and an add where it has not, where <c>Vector128.FusedMultiplyAdd</c> falls back to software (16
    /// to 20 times slower here with the JIT's AVX2 group off; BatchNorm training [32, 64, 128] took about 3 ms instead of
    /// 45 us). The Vector512 and Vector256 paths run only where AVX-512 or AVX2, and so FMA, are there.
    /// </summary>
    public static string MultiplyAddMethod(string vectorClass) =>
        vectorClass.EndsWith("Vector128", StringComparison.Ordinal) ? $"{vectorClass}.MultiplyAddEstimate" : $"{vectorClass}.FusedMultiplyAdd";

    /// <summary>"a * b + c", as one fused multiply-add where the target has it.</summary>
    public string MultiplyAdd(string vectorClass, string a, string b, string c) => MultiplyAdd(vectorClass, a, b, c, fusedMultiplyAdd);

    /// <summary>"a * b + c", as one fused multiply-add when <paramref name="fused"/> (the target has it).</summary>
    public static string MultiplyAdd(string vectorClass, string a, string b, string c, bool fused) =>
        fused ? $"{MultiplyAddMethod(vectorClass)}({a}, {b}, {c})" : $"{a} * {b} + {c}";

    /// <summary>"acc = Vector512.FusedMultiplyAdd(d, d, acc);", or "acc += d * d;" unfused: a square into an accumulator.</summary>
    public static string AddSquare(string vectorClass, string accumulator, string d, bool fused) =>
        fused ? $"{accumulator} = {MultiplyAddMethod(vectorClass)}({d}, {d}, {accumulator});" : $"{accumulator} += {d} * {d};";

    /// <summary>"Vector512.StoreUnsafe(value, ref y)" or with an offset.</summary>
    public static string Store(string vectorClass, string value, string reference, string offset) =>
        offset == "0" ? $"{vectorClass}.StoreUnsafe({value}, ref {reference});" : $"{vectorClass}.StoreUnsafe({value}, ref {reference}, {offset});";

    /// <summary>
    /// "step = MemoryHints.StoreStep(ref inputRef, ref outputRef, stride), index = step == stride ? first : last": a store
    /// loop's step and starting offset, forwards from <paramref name="first"/> or backwards from <paramref name="last"/>.
    /// </summary>
    private static string StoreOrder(string index, string stride, string first, string last) =>
        $"step = {Names.MemoryHints}.StoreStep(ref inputRef, ref outputRef, {stride}), {index} = step == {stride} ? {first} : {last}";

    /// <summary>"(acc0 + acc1) + (acc2 + acc3)": a balanced sum of the accumulators.</summary>
    public static string PairwiseSum(List<string> terms)
    {
        if (terms.Count == 1)
        {
            return terms[0];
        }

        int half = (terms.Count + 1) / 2;
        return $"{Grouped(terms.GetRange(0, half))} + {Grouped(terms.GetRange(half, terms.Count - half))}";
    }

    private static string Grouped(List<string> terms) => terms.Count == 1 ? terms[0] : $"({PairwiseSum(terms)})";
}

using FixedNorm.Tests.Infrastructure;

namespace FixedNorm.Tests.Snapshots;

public sealed class LayerNormSnapshotTests
{
    [Fact]
    public void Seed8x3() => SourceSnapshots.Match(GeneratorHarness.Run("""
        using System;
        using FixedNorm;

        namespace Demo;

        public static partial class Kernels
        {
            // The notebook's case: 8 rows of 3 features, each row normalized across its features.
            [LayerNorm(8, 3)]
            public static partial void Norm(ReadOnlySpan<float> input, Span<float> output);
        }
        """));

    [Fact]
    public void Affine2x768() => SourceSnapshots.Match(GeneratorHarness.Run("""
        using System;
        using FixedNorm;

        namespace Demo;

        public static partial class Kernels
        {
            [LayerNorm(2, 768)]
            public static partial void Norm(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output);
        }
        """));

    /// <summary>The aligned plan (16+ groups of whole lines, 2 to 8 KB each): the benchmark's [64, 768], with statistics.</summary>
    [Fact]
    public void Aligned64x768() => SourceSnapshots.Match(GeneratorHarness.Run("""
        using System;
        using FixedNorm;

        namespace Demo;

        public static partial class Kernels
        {
            [LayerNorm(64, 768)]
            public static partial void Norm(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output, Span<float> mean, Span<float> rstd);
        }
        """));

    [Fact]
    public void Double4dAxis1WithStatistics() => SourceSnapshots.Match(GeneratorHarness.Run("""
        using System;
        using FixedNorm;

        namespace Demo;

        public static partial class Kernels
        {
            [LayerNorm(2, 3, 4, 5, Axis = 1, Epsilon = 1e-3)]
            public static partial void Norm4d(ReadOnlySpan<double> input, ReadOnlySpan<double> weight,
                ReadOnlySpan<double> bias, Span<double> output, Span<double> mean, Span<double> rstd);
        }
        """));

    [Fact]
    public void OddTail16x33() => SourceSnapshots.Match(GeneratorHarness.Run("""
        using System;
        using FixedNorm;

        namespace Demo;

        public static partial class Kernels
        {
            [LayerNorm(16, 33)]
            internal static partial void Norm(ReadOnlySpan<float> input, Span<float> output);
        }
        """));

    [Fact]
    public void Batched1000x16WithStatistics() => SourceSnapshots.Match(GeneratorHarness.Run("""
        using System;
        using FixedNorm;

        namespace Demo;

        public static partial class Kernels
        {
            [LayerNorm(1000, 16)]
            public static partial void Norm(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
                Span<float> output, Span<float> mean, Span<float> rstd);
        }
        """));

    [Fact]
    public void Large4096x4096StaysSmall() => SourceSnapshots.Match(GeneratorHarness.Run("""
        using System;
        using FixedNorm;

        namespace Demo;

        public static partial class Kernels
        {
            [LayerNorm(4096, 4096)]
            public static partial void Norm(ReadOnlySpan<float> input, Span<float> output, Span<float> mean, Span<float> rstd);
        }
        """));

    [Fact]
    public void ContainersAndModifiers() => SourceSnapshots.Match(GeneratorHarness.Run("""
        using System;
        using FixedNorm;

        public partial struct GlobalStruct
        {
            [LayerNorm(2, 4)]
            private partial void Instance(Span<double> output, ReadOnlySpan<double> input);
        }

        namespace Outer.Inner
        {
            public partial record Model
            {
                internal partial record struct Nested<T>
                {
                    [LayerNorm(3, 2, Axis = 0, Epsilon = 0.5f)]
                    public readonly partial void Norm(ReadOnlySpan<float> input, Span<float> output);

                    [LayerNorm(5)]
                    public static partial void Norm(ReadOnlySpan<double> input, Span<double> output);
                }
            }
        }
        """));
}

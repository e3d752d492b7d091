using FixedNorm.Tests.Kernels;

namespace FixedNorm.Tests.Numerics;

/// <summary>The notebook's 8x3 table: its printed input and torch's printed LayerNorm output.</summary>
public sealed class NotebookTests
{
    // torch.randn(8, 3) as the notebook printed it (4 decimals).
    public static readonly float[] Input =
    [
        0.3857f, 0.6901f, -0.5801f,
        0.4570f, 0.6409f, 0.4245f,
        1.8557f, -0.9741f, 0.6087f,
        -1.3705f, 0.9062f, -1.5359f,
        -1.5376f, 0.5564f, -0.1074f,
        -1.6854f, -0.1565f, -1.2909f,
        0.3606f, -0.4981f, 0.3168f,
        -0.9445f, -1.0355f, -1.6735f,
    ];

    // nn.LayerNorm(3)(input) as the notebook printed it.
    public static readonly float[] TorchLayerNorm =
    [
        0.4071f, 0.9693f, -1.3764f,
        -0.5298f, 1.3997f, -0.8700f,
        1.1736f, -1.2702f, 0.0966f,
        -0.6316f, 1.4116f, -0.7800f,
        -1.3445f, 1.0521f, 0.2924f,
        -0.9893f, 1.3698f, -0.3805f,
        0.7617f, -1.4127f, 0.6510f,
        0.8426f, 0.5622f, -1.4049f,
    ];

    [Fact]
    public void LayerNormMatchesTorchsPrintedOutput()
    {
        var output = new float[24];
        TestKernels.Notebook(Input, output);

        // torch normalized the unrounded input: from the printed one, exact arithmetic lands up to 4.2e-4 from its printout.
        for (int i = 0; i < output.Length; i++)
        {
            Assert.True(Math.Abs(output[i] - TorchLayerNorm[i]) <= 5e-4, $"element {i}: {output[i]} vs torch {TorchLayerNorm[i]}");
        }
    }

    [Fact]
    public void LayerNormInPlaceGivesTheSameNumbers()
    {
        var expected = new float[24];
        TestKernels.Notebook(Input, expected);
        float[] buffer = (float[])Input.Clone();
        TestKernels.Notebook(buffer, buffer);
        Assert.Equal(expected, buffer);
    }
}

using FixedNorm.Tests.Infrastructure;
using FixedNorm.Tests.Kernels;

namespace FixedNorm.Tests.Numerics;

/// <summary>The notebook's BatchNorm table: nn.BatchNorm1d(3) in training mode on its 8 x 3 input.</summary>
public sealed class NotebookBatchNormTests
{
    // m = nn.BatchNorm1d(3); output = m(input), as the notebook printed it.
    public static readonly float[] TorchBatchNorm =
    [
        0.5895f, 0.9183f, -0.1160f,
        0.6499f, 0.8512f, 1.0455f,
        1.8353f, -1.3492f, 1.2584f,
        -0.8989f, 1.2126f, -1.2212f,
        -1.0405f, 0.7360f, 0.4305f,
        -1.1657f, -0.2353f, -0.9379f,
        0.5682f, -0.7007f, 0.9210f,
        -0.5378f, -1.4329f, -1.3803f,
    ];

    [Fact]
    public void BatchNormMatchesTorchsPrintedOutput()
    {
        var output = new float[24];
        float[] runningMean = [0, 0, 0];
        float[] runningVar = [1, 1, 1];
        BatchNormKernels.Notebook(NotebookTests.Input, output, runningMean, runningVar);
        // torch normalized the unrounded input: from the printed one, exact arithmetic lands up to 8.6e-5 from its printout.
        for (int i = 0; i < output.Length; i++)
        {
            Assert.True(Math.Abs(output[i] - TorchBatchNorm[i]) <= 1e-4, $"element {i}: {output[i]} vs torch {TorchBatchNorm[i]}");
        }

        // The notebook's av = input.mean(0) = [-0.3099, 0.0162, -0.4797]; running_mean = 0.1 * av after one step.
        double[] printedMean = [-0.3099, 0.0162, -0.4797];
        for (int c = 0; c < 3; c++)
        {
            Assert.InRange(Math.Abs(runningMean[c] - (0.1 * printedMean[c])), 0, 1e-4);
        }

        // running_var = 0.9 + 0.1 * unbiased var, from the float64 reference on the same input.
        double[] x = NotebookTests.Input.Select(v => (double)v).ToArray();
        double[] expectedVar = [1, 1, 1];
        BatchNormReference.Training(x, new BatchNormLayout(8, 3, 1), 1e-5, 0.1, null, null, [0, 0, 0], expectedVar);
        for (int c = 0; c < 3; c++)
        {
            Assert.InRange(Math.Abs(runningVar[c] - expectedVar[c]) / expectedVar[c], 0, 1e-6);
        }
    }
}

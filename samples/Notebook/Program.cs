using System.Globalization;
using Notebook;

// Replays "Understanding Layer and Batch Norm by computing from scratch" (../shared/seed) with
// kernels FixedNorm generated for the notebook's exact 8 x 3 shape.
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

// input = torch.randn(8, 3), as the notebook printed it.
float[] input =
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

// m = nn.LayerNorm(input.size()[1:]); output = m(input), as the notebook printed it.
float[] torchLayerNorm =
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

Print("input = torch.randn(8, 3)", input, 3);

Console.WriteLine("## LayerNorm: normalizing across the features of each row (dim 1), eps = 1e-5");
Print("torch: nn.LayerNorm(3)(input)", torchLayerNorm, 3);

var output = new float[24];
var mean = new float[8];
var rstd = new float[8];
Kernels.LayerNorm(input, output, mean, rstd);

Print("av = input.mean(1)  (the kernel's mean output)", mean, 1);
Print("dev = sqrt(var(input, 1, unbiased=False) + eps)  (1 / the kernel's rstd output)", rstd.Select(r => 1 / r).ToArray(), 1);
Print("FixedNorm: Kernels.LayerNorm(input, output, mean, rstd)", output, 3);
float[] difference = output.Zip(torchLayerNorm, (ours, torch) => ours - torch).ToArray();
Print("FixedNorm - torch (torch's table was printed to 4 decimals)", difference, 3, "0.00e+00");
Console.WriteLine($"max |FixedNorm - torch| = {difference.Max(Math.Abs):0.00e+00}");
Console.WriteLine();

// m = nn.BatchNorm1d(input.size()[1:]); output = m(input), as the notebook printed it (training mode).
float[] torchBatchNorm =
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

Console.WriteLine("## BatchNorm: normalizing across the batch for each feature (dim 0), training mode, eps = 1e-5");
Print("torch: nn.BatchNorm1d(3)(input)", torchBatchNorm, 3);

var batchOutput = new float[24];
float[] runningMean = [0, 0, 0];
float[] runningVar = [1, 1, 1];
var batchMean = new float[3];
var batchRstd = new float[3];
BatchKernels.BatchNorm(input, batchOutput, runningMean, runningVar, batchMean, batchRstd);

Print("av = input.mean(0)  (the kernel's mean output; the notebook printed [-0.3099, 0.0162, -0.4797])", batchMean, 3);
Print("dev = sqrt(var(input, 0, unbiased=False) + eps)  (1 / rstd; the notebook printed [1.1799, 0.7339, 0.8649])", batchRstd.Select(r => 1 / r).ToArray(), 3);
Print("FixedNorm: BatchKernels.BatchNorm(input, output, runningMean, runningVar, mean, rstd)", batchOutput, 3);
float[] batchDifference = batchOutput.Zip(torchBatchNorm, (ours, torch) => ours - torch).ToArray();
Print("FixedNorm - torch (torch's table was printed to 4 decimals)", batchDifference, 3, "0.00e+00");
Console.WriteLine($"max |FixedNorm - torch| = {batchDifference.Max(Math.Abs):0.00e+00}");
Console.WriteLine();
Print("running_mean after the step = 0.9 * 0 + 0.1 * mean", runningMean, 3);
Print("running_var after the step = 0.9 * 1 + 0.1 * unbiased var", runningVar, 3);
return difference.Max(Math.Abs) <= 1e-3 && batchDifference.Max(Math.Abs) <= 1e-3 ? 0 : 1;

static void Print(string title, float[] values, int columns, string format = "F4")
{
    Console.WriteLine(title);
    for (int row = 0; row < values.Length / columns; row++)
    {
        IEnumerable<string> cells = values.Skip(row * columns).Take(columns).Select(v => v.ToString(format).PadLeft(format == "F4" ? 8 : 10));
        Console.WriteLine("  [" + string.Join(", ", cells) + "]");
    }

    Console.WriteLine();
}

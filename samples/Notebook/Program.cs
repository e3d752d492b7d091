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
return difference.Max(Math.Abs) <= 1e-3 ? 0 : 1;

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

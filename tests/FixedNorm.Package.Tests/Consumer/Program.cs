using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using FixedNorm;
using PackageConsumer;

// A program that uses FixedNorm only through its package. It prints every input and every result,
// one array per line ("name v0 v1 ..."), with round-trip formatting, so the test that built it can
// recompute each result in float64 from exactly the values the kernels received.
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

Console.WriteLine($"framework {RuntimeInformation.FrameworkDescription}");
Console.WriteLine($"library {typeof(LayerNormAttribute).Assembly.GetCustomAttribute<TargetFrameworkAttribute>()?.FrameworkName}");
// Whether the kernels zero their locals and stack buffers on entry (not where the project allows unsafe code).
Console.WriteLine($"initlocals {typeof(Block).GetMethod(nameof(Block.Train))!.GetMethodBody()!.InitLocals}");

float[] small = Data(24, seed: 1);
var smallOutput = new float[24];
Kernels.SmallLayerNorm(small, smallOutput);
Print("small.input", small);
Print("small.output", smallOutput);

float[] wide = Data(160, seed: 2, offset: 100);
float[] wideWeight = Data(40, seed: 3, scale: 0.5f, offset: 1);
float[] wideBias = Data(40, seed: 4, scale: 0.1f);
var wideOutput = new float[160];
var wideMean = new float[4];
var wideRstd = new float[4];
Kernels.WideLayerNorm(wide, wideWeight, wideBias, wideOutput, wideMean, wideRstd);
Print("wide.input", wide);
Print("wide.weight", wideWeight);
Print("wide.bias", wideBias);
Print("wide.output", wideOutput);
Print("wide.mean", wideMean);
Print("wide.rstd", wideRstd);

double[] deep = Data(120, seed: 5).Select(v => (double)v).ToArray();
double[] deepWeight = Data(60, seed: 6, offset: 1).Select(v => (double)v).ToArray();
double[] deepBias = Data(60, seed: 7).Select(v => (double)v).ToArray();
var deepOutput = new double[120];
var deepMean = new double[2];
var deepRstd = new double[2];
Kernels.DoubleLayerNorm(deep, deepWeight, deepBias, deepOutput, deepMean, deepRstd);
Print("deep.input", deep);
Print("deep.weight", deepWeight);
Print("deep.bias", deepBias);
Print("deep.output", deepOutput);
Print("deep.mean", deepMean);
Print("deep.rstd", deepRstd);

var block = new Block();
float[] batch = Data(4 * 3 * 64, seed: 8, scale: 3, offset: 0.5f);
float[] batchWeight = [1.5f, 0.5f, -1];
float[] batchBias = [0.25f, 0, -0.5f];
float[] runningMean = [0.5f, -0.5f, 0];
float[] runningVar = [1, 2, 0.5f];
var batchOutput = new float[batch.Length];
var batchMean = new float[3];
var batchRstd = new float[3];
Print("batch.input", batch);
Print("batch.weight", batchWeight);
Print("batch.bias", batchBias);
Print("batch.runningMean.before", runningMean);
Print("batch.runningVar.before", runningVar);
block.Train(batch, batchWeight, batchBias, runningMean, runningVar, batchOutput, batchMean, batchRstd);
Print("batch.output", batchOutput);
Print("batch.mean", batchMean);
Print("batch.rstd", batchRstd);
Print("batch.runningMean.after", runningMean);
Print("batch.runningVar.after", runningVar);

float[] notebook = Data(24, seed: 9);
var notebookOutput = new float[24];
float[] notebookRunningMean = [0, 0, 0];
float[] notebookRunningVar = [1, 1, 1];
block.TrainSmall(notebook, notebookOutput, notebookRunningMean, notebookRunningVar);
Print("notebook.input", notebook);
Print("notebook.output", notebookOutput);
Print("notebook.runningMean.after", notebookRunningMean);
Print("notebook.runningVar.after", notebookRunningVar);

float[] rows = Data(300, seed: 10, scale: 2, offset: 3);
float[] rowsWeight = [0.5f, 1, 2];
float[] rowsBias = [0, 0.5f, -1];
float[] rowsRunningMean = [0, 1, -1];
float[] rowsRunningVar = [1, 0.5f, 2];
var rowsOutput = new float[300];
Print("rows.input", rows);
Print("rows.weight", rowsWeight);
Print("rows.bias", rowsBias);
Print("rows.runningMean.before", rowsRunningMean);
Print("rows.runningVar.before", rowsRunningVar);
block.TrainRows(rows, rowsWeight, rowsBias, rowsRunningMean, rowsRunningVar, rowsOutput);
Print("rows.output", rowsOutput);
Print("rows.runningMean.after", rowsRunningMean);
Print("rows.runningVar.after", rowsRunningVar);

// The runtime checks the generated code calls are in the package's library too.
try
{
    Kernels.SmallLayerNorm(small, new float[23]);
    Console.WriteLine("check none");
}
catch (ArgumentException e)
{
    Console.WriteLine($"check {e.ParamName}");
}

return 0;

static float[] Data(int count, int seed, float scale = 2, float offset = 0)
{
    // A fixed linear congruential sequence mapped to [offset - scale, offset + scale).
    var values = new float[count];
    uint state = (uint)seed * 2654435761u;
    for (int i = 0; i < count; i++)
    {
        state = (state * 1664525u) + 1013904223u;
        values[i] = offset + (scale * (((state >> 8) / 8388608f) - 1));
    }

    return values;
}

static void Print<T>(string name, T[] values)
    where T : IFormattable =>
    Console.WriteLine(name + " " + string.Join(" ", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));

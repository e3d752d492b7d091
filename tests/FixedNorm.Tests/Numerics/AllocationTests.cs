using FixedNorm.Tests.Kernels;

namespace FixedNorm.Tests.Numerics;

/// <summary>Generated kernels allocate nothing per call.</summary>
public sealed class AllocationTests
{
    [Fact]
    public void KernelsAllocateZeroBytes()
    {
        var input8x3 = new float[24];
        var output8x3 = new float[24];
        var input768 = new float[1536];
        var weight768 = new float[768];
        var output768 = new float[1536];
        var input4d = new double[120];
        var weight4d = new double[60];
        var output4d = new double[120];
        var mean4d = new double[2];
        var rstd4d = new double[2];
        var inputAligned = new float[64 * 768];
        var outputAligned = new float[64 * 768];
        var inputLong = new float[7500];
        var outputLong = new float[7500];
        var meanLong = new float[3];
        var rstdLong = new float[3];
        new Random(1).NextBytes(new byte[1]);
        for (int i = 0; i < inputLong.Length; i++)
        {
            inputLong[i] = i % 17;
        }

        var nclInput = new float[32 * 64 * 128];
        var nclOutput = new float[32 * 64 * 128];
        var channelWeight = new float[64];
        var runningMean = new float[64];
        var runningVar = new float[64];
        var batchMean = new float[64];
        var batchRstd = new float[64];
        var lastInput = new float[16 * 8 * 8 * 64];
        var lastOutput = new float[16 * 8 * 8 * 64];
        var shortRunsInput = new double[240];
        var shortRunsOutput = new double[240];
        var singleInput = new double[40];
        var singleOutput = new double[40];
        var wideWeight = new float[256];
        var wideMean = new float[256];
        var wideVar = new float[256];
        Array.Fill(runningVar, 1f);
        Array.Fill(wideVar, 1f);
        for (int i = 0; i < nclInput.Length; i++)
        {
            nclInput[i] = i % 13;
        }

        void CallAll()
        {
            BatchNormKernels.Notebook(input8x3, output8x3, runningMean.AsSpan(0, 3), runningVar.AsSpan(0, 3));
            BatchNormKernels.TrainNcl(nclInput, channelWeight, channelWeight, runningMean, runningVar, nclOutput);
            BatchNormKernels.InferNcl(nclInput, channelWeight, channelWeight, runningMean, runningVar, nclOutput);
            BatchNormKernels.TrainChannelsLast(lastInput, lastOutput, runningMean, runningVar, batchMean, batchRstd);
            BatchNormKernels.TrainShortRuns(shortRunsInput, shortRunsOutput);
            BatchNormKernels.InferShortRuns(nclInput.AsSpan(0, 1280), runningMean.AsSpan(0, 2), runningVar.AsSpan(0, 2), nclOutput.AsSpan(0, 1280));
            BatchNormKernels.TrainRunsOfTwo(nclInput.AsSpan(0, 512), runningMean.AsSpan(0, 2), runningVar.AsSpan(0, 2), nclOutput.AsSpan(0, 512));
            BatchNormKernels.TrainStrided(singleInput, singleOutput);
            BatchNormKernels.TrainManyChannels(nclInput.AsSpan(0, 131072), wideWeight, wideWeight, wideMean, wideVar, nclOutput.AsSpan(0, 131072));
            BatchNormKernels.InferManyChannels(nclInput.AsSpan(0, 131072), wideWeight, wideWeight, wideMean, wideVar, nclOutput.AsSpan(0, 131072));
            TestKernels.Notebook(input8x3, output8x3);
            TestKernels.Affine768(input768, weight768, weight768, output768);
            TestKernels.Aligned768(inputAligned, weight768, weight768, outputAligned);
            TestKernels.Norm4d(input4d, weight4d, weight4d, output4d, mean4d, rstd4d);
            TestKernels.Long(inputLong, outputLong, meanLong, rstdLong);
            TestKernels.Notebook(output8x3, output8x3);
        }

        // Warm up past tiered compilation, then measure many calls.
        for (int i = 0; i < 200; i++)
        {
            CallAll();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 200; i++)
        {
            CallAll();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
    }
}

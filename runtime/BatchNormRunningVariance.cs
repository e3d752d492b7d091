namespace FixedNorm;

/// <summary>Which variance of the batch a Training kernel folds into <c>runningVar</c>.</summary>
public enum BatchNormRunningVariance
{
    /// <summary>The unbiased variance, n / (n - 1) times the biased one, as PyTorch does.</summary>
    Unbiased,

    /// <summary>The population (biased) variance, as ONNX's BatchNormalization does in training mode.</summary>
    Population,
}

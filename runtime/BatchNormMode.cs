namespace FixedNorm;

/// <summary>Whether a BatchNorm kernel normalizes with batch statistics or with running statistics.</summary>
public enum BatchNormMode
{
    /// <summary>
    /// Normalize with the batch's mean and biased variance, and update the running statistics
    /// (a new PyTorch module is in training mode).
    /// </summary>
    Training,

    /// <summary>Normalize with <c>runningMean</c> and <c>runningVar</c> (PyTorch's eval mode).</summary>
    Inference,
}

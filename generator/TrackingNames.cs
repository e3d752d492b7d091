namespace FixedNorm.Generator;

/// <summary>Names of the pipeline's steps, so tests can check what was cached.</summary>
internal static class TrackingNames
{
    public const string LayerNormParsed = nameof(LayerNormParsed);

    public const string BatchNormParsed = nameof(BatchNormParsed);

    public const string TargetFeatures = nameof(TargetFeatures);
}

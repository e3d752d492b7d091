using System.Collections.Immutable;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Order;
using BenchmarkDotNet.Running;

namespace FixedNorm.Benchmarks;

/// <summary>
/// Runs <see cref="GeneratorBenchmarks"/> after every kernel benchmark. With Roslyn run first in the same
/// process (the quick job), later kernels were seen to stay at tier 0 for seconds, likely because the
/// background JIT was busy re-JITting Roslyn's hot ReadyToRun methods at tier 1.
/// </summary>
public sealed class GeneratorLastOrderer() : DefaultOrderer(SummaryOrderPolicy.Default, MethodOrderPolicy.Declared)
{
    public override IEnumerable<BenchmarkCase> GetExecutionOrder(ImmutableArray<BenchmarkCase> benchmarkCases, IEnumerable<BenchmarkLogicalGroupRule>? order = null) =>
        base.GetExecutionOrder(benchmarkCases, order).OrderBy(c => c.Descriptor.Type == typeof(GeneratorBenchmarks) ? 1 : 0);
}

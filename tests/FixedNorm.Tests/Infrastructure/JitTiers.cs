using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace FixedNorm.Tests.Infrastructure;

/// <summary>
/// How the JIT compiled a method, from the runtime's own MethodLoadVerbose event. The JIT quietly compiles a method it
/// finds too large (IL, locals or blocks past its limits) with no optimizations at all ("switched to MinOpts"): a
/// kernel that does is several times slower and nothing else says so.
/// </summary>
public static class JitTiers
{
    /// <summary>The runtime's OptimizationTier, bits 7-9 of MethodLoadVerbose's MethodFlags.</summary>
    public enum Tier
    {
        Unknown = 0,
        MinOptJitted = 1,
        Optimized = 2,
        QuickJitted = 3,
        OptimizedTier1 = 4,
    }

    /// <summary>
    /// JIT-compiles <paramref name="method"/> now and returns the tier it got. Declare it [MethodImpl(AggressiveOptimization)]
    /// so it is compiled fully optimized at once (no tiering): then anything but <see cref="Tier.Optimized"/> means the JIT
    /// gave up optimizing it.
    /// </summary>
    public static Tier Compile(MethodInfo method)
    {
        Task<Tier> seen = Shared.Value.Expect(method.MethodHandle.Value);
        RuntimeHelpers.PrepareMethod(method.MethodHandle);
        return seen.Wait(TimeSpan.FromSeconds(30)) ? seen.Result : throw new TimeoutException($"no JIT event for {method.Name}");
    }

    /// <summary>
    /// One listener for every call: a listener per call started and stopped the runtime's event session each time, and
    /// now and then (under load) the event of the method compiled right after a start never came.
    /// </summary>
    private static readonly Lazy<Listener> Shared = new(() =>
    {
        var listener = new Listener();
        MethodInfo warmUp = typeof(JitTiers).GetMethod(nameof(WarmUp), BindingFlags.NonPublic | BindingFlags.Static)!;
        Task<Tier> seen = listener.Expect(warmUp.MethodHandle.Value);
        RuntimeHelpers.PrepareMethod(warmUp.MethodHandle);
        return seen.Wait(TimeSpan.FromSeconds(30)) ? listener : throw new TimeoutException("no JIT event from the runtime's event source");
    });

    /// <summary>Compiled once, to see the listener's session deliver events before any method under test.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static int WarmUp(int value) => value * 3;

    private sealed class Listener : EventListener
    {
        private const EventKeywords JitKeyword = (EventKeywords)0x10;

        private readonly ConcurrentDictionary<ulong, TaskCompletionSource<Tier>> _expected = new();

        public Task<Tier> Expect(IntPtr methodId) =>
            _expected.GetOrAdd((ulong)methodId, _ => new TaskCompletionSource<Tier>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(eventSource, EventLevel.Verbose, JitKeyword);
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            if (eventData.EventName?.StartsWith("MethodLoadVerbose", StringComparison.Ordinal) != true || eventData.PayloadNames is null)
            {
                return;
            }

            int id = eventData.PayloadNames.IndexOf("MethodID");
            int flags = eventData.PayloadNames.IndexOf("MethodFlags");
            if (id >= 0 && flags >= 0 && _expected.TryRemove(Convert.ToUInt64(eventData.Payload![id]), out TaskCompletionSource<Tier>? seen))
            {
                seen.TrySetResult((Tier)((Convert.ToUInt32(eventData.Payload[flags]) >> 7) & 7));
            }
        }
    }
}

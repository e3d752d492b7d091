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
        using var listener = new Listener(method.MethodHandle.Value);
        RuntimeHelpers.PrepareMethod(method.MethodHandle);
        return listener.Seen.Wait(TimeSpan.FromSeconds(30)) ? listener.Result : throw new TimeoutException($"no JIT event for {method.Name}");
    }

    private sealed class Listener(IntPtr methodId) : EventListener
    {
        private const EventKeywords JitKeyword = (EventKeywords)0x10;

        public ManualResetEventSlim Seen { get; } = new();

        public Tier Result { get; private set; }

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
            if (id >= 0 && flags >= 0 && Convert.ToUInt64(eventData.Payload![id]) == (ulong)methodId)
            {
                Result = (Tier)((Convert.ToUInt32(eventData.Payload[flags]) >> 7) & 7);
                Seen.Set();
            }
        }
    }
}

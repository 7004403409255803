// Contract: the supervise loop shared by every platform, attached or detached. It decides when
// a tethered process tree is torn down and why; the tree (ITetheredTree) decides how.
// Guarantees: when Run returns, TearDown has run at least once after the last moment the
// command could have been seen running, so nothing of the tree that Worktrunk can reach is
// left: after the command exits on its own (final sweep of its group), after the watched path
// is removed, and after cancellation (Ctrl+C, a stopped pipeline, SIGTERM to a supervisor).
// Data safety: the watched path counts as removed only when PathWatch says Removed, or Replaced
// (another file now stands at the path: the worktree was removed and something recreated
// there); an inaccessible path is "still there" and is reported once as a warning.
// Timing: the path is checked every 250 ms (first check at once); the command's exit is polled
// every 25 ms; cancellation wakes the loop immediately. No filesystem watcher is registered.

using System;
using System.Diagnostics;
using System.Threading;
using Worktrunk.Diagnostics;

namespace Worktrunk.Tether
{
    /// <summary>How the loop ended, before the status is collected.</summary>
    internal readonly struct LoopOutcome
    {
        internal LoopOutcome(WtTetherEndReason reason, int? exitCode, int? signal)
        {
            Reason = reason;
            ExitCode = exitCode;
            Signal = signal;
        }

        internal WtTetherEndReason Reason { get; }

        internal int? ExitCode { get; }

        internal int? Signal { get; }
    }

    /// <summary>The platform-neutral supervise loop.</summary>
    internal static class TetherLoop
    {
        /// <summary>How often the command's own exit is polled.</summary>
        internal static readonly TimeSpan ExitPollInterval = TimeSpan.FromMilliseconds(25);

        /// <summary>
        /// Supervises <paramref name="tree"/> until the command exits, <paramref name="probe"/>
        /// reports the watched path removed, or <paramref name="cancellation"/> fires; tears the
        /// tree down (or sweeps it) and collects the command's status.
        /// </summary>
        internal static LoopOutcome Run(
            ITetheredTree tree,
            Func<WatchedPathState> probe,
            TimeSpan pollInterval,
            TimeSpan grace,
            CancellationToken cancellation,
            IDiagnosticSink sink,
            string watchedPath)
        {
            var clock = Stopwatch.StartNew();
            var nextProbe = TimeSpan.Zero;
            var warned = false;
            var shown = Printable.Quote(watchedPath);
            WtTetherEndReason reason;
            while (true)
            {
                if (tree.HasExited())
                {
                    // A command that dies because its worktree vanished under it ended because of
                    // the removal, whichever of the two the loop noticed first.
                    var last = probe();
                    reason = last == WatchedPathState.Removed || last == WatchedPathState.Replaced ? WtTetherEndReason.WorktreeRemoved : WtTetherEndReason.Exited;
                    sink.Verbose(reason == WtTetherEndReason.Exited
                        ? $"The command exited; sweeping process group {tree.ProcessGroupId}."
                        : $"The command exited and {shown} is gone; sweeping process group {tree.ProcessGroupId}.");
                    break;
                }

                if (cancellation.IsCancellationRequested)
                {
                    reason = WtTetherEndReason.Stopped;
                    sink.Verbose($"Stopped; tearing down process group {tree.ProcessGroupId} (grace {grace.TotalSeconds:0.###} s).");
                    break;
                }

                if (clock.Elapsed >= nextProbe)
                {
                    var state = probe();
                    if (state == WatchedPathState.Removed || state == WatchedPathState.Replaced)
                    {
                        reason = WtTetherEndReason.WorktreeRemoved;
                        sink.Verbose(state == WatchedPathState.Removed
                            ? $"{shown} is gone; tearing down process group {tree.ProcessGroupId} (grace {grace.TotalSeconds:0.###} s)."
                            : $"{shown} is no longer the worktree this tether started on (it was removed and something else now stands at that path); tearing down process group {tree.ProcessGroupId} (grace {grace.TotalSeconds:0.###} s).");
                        break;
                    }

                    if (state == WatchedPathState.Inaccessible && !warned)
                    {
                        warned = true;
                        sink.Warning($"Cannot check {shown} (permission or I/O error); treating it as still there.");
                    }

                    nextProbe = clock.Elapsed + pollInterval;
                }

                var untilProbe = nextProbe - clock.Elapsed;
                var wait = untilProbe < ExitPollInterval ? untilProbe : ExitPollInterval;
                if (wait > TimeSpan.Zero)
                {
                    cancellation.WaitHandle.WaitOne(wait);
                }
            }

            var teardown = tree.TearDown(grace);
            tree.CollectStatus(out var exitCode, out var signal);
            sink.Verbose($"Teardown of process group {tree.ProcessGroupId}: {teardown}.");
            return new LoopOutcome(reason, exitCode, signal);
        }
    }
}

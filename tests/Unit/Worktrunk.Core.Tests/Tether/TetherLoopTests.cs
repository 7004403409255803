using System;
using System.Collections.Generic;
using System.Threading;
using Worktrunk.Diagnostics;
using Worktrunk.Tether;
using Xunit;

namespace Worktrunk.Core.Tests.Tether
{
    /// <summary>The loop's decisions, with a fake tree and a scripted probe (pure logic; the real trees are in TetherSupervisorTests).</summary>
    public sealed class TetherLoopTests
    {
        private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);

        private sealed class FakeTree : ITetheredTree
        {
            internal List<string> Calls { get; } = new List<string>();

            internal Func<bool> Exited { get; set; } = () => false;

            internal int? Code { get; set; }

            internal int? Sig { get; set; } = 15;

            public int ProcessId => 4242;

            public int ProcessGroupId => 4242;

            public bool HasExited() => Exited();

            public string TearDown(TimeSpan grace)
            {
                Calls.Add("teardown " + grace.TotalMilliseconds);
                return "faked";
            }

            public void CollectStatus(out int? exitCode, out int? signal)
            {
                Calls.Add("collect");
                exitCode = Code;
                signal = Sig;
            }

            public void Dispose() => Calls.Add("dispose");
        }

        private static LoopOutcome Run(FakeTree tree, Func<WatchedPathState> probe, CancellationToken token = default, IDiagnosticSink? sink = null) =>
            TetherLoop.Run(tree, probe, Poll, TimeSpan.FromMilliseconds(1234), token, sink ?? NullSink.Instance, "/wt");

        [Fact]
        public void Replaced_tears_down_as_a_removal_and_says_why_with_the_name_escaped()
        {
            var tree = new FakeTree();
            var n = 0;
            var sink = new TetherTestSink();
            var outcome = TetherLoop.Run(tree, () => ++n < 2 ? WatchedPathState.Present : WatchedPathState.Replaced, Poll, TimeSpan.FromMilliseconds(1234), default, sink, "/w/evil\nwarning: forged");
            Assert.Equal(WtTetherEndReason.WorktreeRemoved, outcome.Reason);
            Assert.Equal(new[] { "teardown 1234", "collect" }, tree.Calls);
            Assert.Contains(sink.Messages, m => m.StartsWith("V:\"/w/evil\\nwarning: forged\" is no longer the worktree this tether started on", StringComparison.Ordinal));
            Assert.DoesNotContain(sink.Messages, m => m.Contains('\n', StringComparison.Ordinal));
        }

        [Fact]
        public void A_command_that_exits_after_its_worktree_was_replaced_ended_because_of_the_removal()
        {
            var tree = new FakeTree { Exited = () => true, Code = 1, Sig = null };
            var outcome = Run(tree, () => WatchedPathState.Replaced);
            Assert.Equal(WtTetherEndReason.WorktreeRemoved, outcome.Reason);
        }

        [Fact]
        public void Removed_tears_down_then_collects()
        {
            var tree = new FakeTree();
            var n = 0;
            var sink = new TetherTestSink();
            var outcome = Run(tree, () => ++n < 3 ? WatchedPathState.Present : WatchedPathState.Removed, sink: sink);
            Assert.Equal(WtTetherEndReason.WorktreeRemoved, outcome.Reason);
            Assert.Equal(new[] { "teardown 1234", "collect" }, tree.Calls);
            Assert.Contains("V:Teardown of process group 4242: faked.", sink.Messages);
            Assert.Equal(15, outcome.Signal);
            Assert.Equal(3, n);
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void Anything_but_Removed_never_tears_down(bool inaccessible)
        {
            var state = inaccessible ? WatchedPathState.Inaccessible : WatchedPathState.Present;
            var tree = new FakeTree();
            var probes = 0;
            tree.Exited = () => probes >= 10;
            tree.Code = 0;
            tree.Sig = null;
            var sink = new TetherTestSink();
            var outcome = Run(tree, () => { probes++; return state; }, sink: sink);

            // It ran until the command exited on its own, then swept once.
            Assert.Equal(WtTetherEndReason.Exited, outcome.Reason);
            Assert.Equal(new[] { "teardown 1234", "collect" }, tree.Calls);
            Assert.Equal(state == WatchedPathState.Inaccessible ? 1 : 0, sink.Warnings.Count);
        }

        [Fact]
        public void An_exit_while_the_path_is_gone_counts_as_removed()
        {
            var tree = new FakeTree { Exited = () => true, Code = 1, Sig = null };
            var outcome = Run(tree, () => WatchedPathState.Removed);
            Assert.Equal(WtTetherEndReason.WorktreeRemoved, outcome.Reason);
            Assert.Equal(1, outcome.ExitCode);
        }

        [Fact]
        public void An_exit_while_the_path_is_inaccessible_counts_as_exited()
        {
            var tree = new FakeTree { Exited = () => true, Code = 1, Sig = null };
            var outcome = Run(tree, () => WatchedPathState.Inaccessible);
            Assert.Equal(WtTetherEndReason.Exited, outcome.Reason);
        }

        [Fact]
        public void Cancellation_stops_and_tears_down_promptly()
        {
            var tree = new FakeTree();
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            var probes = 0;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var outcome = TetherLoop.Run(tree, () => { probes++; return WatchedPathState.Present; }, TimeSpan.FromHours(1), TimeSpan.FromSeconds(1), cts.Token, NullSink.Instance, "/wt");

            // The poll interval is an hour: only the cancellation can have ended the loop.
            Assert.Equal(WtTetherEndReason.Stopped, outcome.Reason);
            Assert.Equal(new[] { "teardown 1000", "collect" }, tree.Calls);
            Assert.Equal(1, probes);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        }

        [Fact]
        public void The_path_is_checked_at_once_and_then_every_interval()
        {
            // A 1 s interval: "at once" (well under one interval) stays distinguishable from "after one
            // interval" even on a loaded CI machine, where a 100 ms bound could be missed.
            var tree = new FakeTree();
            var start = System.Diagnostics.Stopwatch.StartNew();
            var at = new List<TimeSpan>();
            TetherLoop.Run(tree, () => { at.Add(start.Elapsed); return at.Count < 3 ? WatchedPathState.Present : WatchedPathState.Removed; }, TimeSpan.FromSeconds(1), TimeSpan.Zero, CancellationToken.None, NullSink.Instance, "/wt");
            Assert.Equal(3, at.Count);
            Assert.True(at[0] < TimeSpan.FromMilliseconds(900), $"the first check came after {at[0].TotalMilliseconds} ms, not at once");
            for (var i = 1; i < at.Count; i++)
            {
                // Never early (one monotonic clock on both sides); generous above.
                Assert.True(at[i] - at[i - 1] >= TimeSpan.FromMilliseconds(990), $"check {i} came after {(at[i] - at[i - 1]).TotalMilliseconds} ms");
            }
        }
    }
}

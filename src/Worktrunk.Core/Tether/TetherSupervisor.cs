// Contract: supervises one command's whole process tree and tears it down when the command
// exits (final sweep), when the watched worktree is removed, or when it is stopped.
// Guarantees:
//   * Start either returns a running, supervised command or throws (CommandNotFound,
//     SpawnFailed, or whatever the sink throws) with nothing left running: no sink call sits
//     between a spawn and the object that owns what it spawned.
//   * Run returns only after the tree has been torn down and the command reaped; cancellation
//     (Ctrl+C through StopProcessing) makes it tear down, not abandon. If anything throws out of
//     the loop (a stopped pipeline throws from Write* calls), the tree is torn down before the
//     exception leaves Run.
//   * Dispose tears the tree down if Run never finished, from any thread; it is idempotent.
//   * While Run is active, SIGTERM or SIGHUP to this process (TerminationSignals, .NET 6+) and
//     AppDomain.ProcessExit stop the loop and wait (bounded by the grace period plus a margin)
//     for the teardown before the process goes on to terminate.
//   * Unix: the session's guardian process (TetherGuardian, one per process, shared by every
//     tether) is armed with the group once the command runs and told `done` after the teardown;
//     it tears the group down if this process dies without finishing, SIGKILL included.
//     Windows: the Job Object dies with its last handle.
// Signal discipline: the only signals sent are SIGTERM then SIGKILL to the command's own group
// (ProcessGroups.Terminate); nothing is forwarded to or from the console.
// Platform: UnixGroupTree (posix_spawn, new process group) or WindowsJobTree (Job Object).

using System;
using System.Diagnostics;
using System.Threading;
using Worktrunk.Diagnostics;
using Worktrunk.Interop;

namespace Worktrunk.Tether
{
    /// <summary>One supervised command: start it, supervise it, tear it down.</summary>
    internal sealed class TetherSupervisor : IDisposable
    {
        private readonly object _gate = new object();
        private readonly TetherSpec _spec;
        private readonly IDiagnosticSink _sink;
        private readonly ITetheredTree _tree;
        private readonly TetherGuardian? _guardian;
        private readonly PathWatcher _watcher;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly ManualResetEventSlim _done = new ManualResetEventSlim(false);
        private bool _running;
        private bool _finished;

        private TetherSupervisor(TetherSpec spec, IDiagnosticSink sink, ITetheredTree tree, TetherGuardian? guardian, PathWatcher watcher)
        {
            _spec = spec;
            _sink = sink;
            _tree = tree;
            _guardian = guardian;
            _watcher = watcher;
            StartTime = DateTimeOffset.Now;
        }

        /// <summary>The command's process id.</summary>
        internal int ProcessId => _tree.ProcessId;

        /// <summary>The group torn down (Unix: the command's PID).</summary>
        internal int ProcessGroupId => _tree.ProcessGroupId;

        /// <summary>The guardian's process id, or 0 when there is none (Windows).</summary>
        internal int GuardianPid => _guardian?.Pid ?? 0;

        internal DateTimeOffset StartTime { get; }

        /// <summary>The watcher of the worktree (identity captured before the command started; its poll count).</summary>
        internal PathWatcher Watcher => _watcher;

        /// <summary>Test hook: runs on the supervise loop's thread after each look at the worktree, with the look's number (from 1) and what it found; the next look happens only after it returns.</summary>
        internal Action<int, WatchedPathState>? AfterProbe { get; set; }

        /// <summary>Starts the command (on Unix, after making sure the session has a guardian). Throws WorktrunkException with nothing left running when the command cannot start.</summary>
        internal static TetherSupervisor Start(TetherSpec spec, IDiagnosticSink sink)
        {
            sink.Verbose($"{spec.Display}   (in {Printable.Quote(spec.WorkingDirectory)}; tethered to {Printable.Quote(spec.WatchedPath)})");
            TetherInput.Check(spec);
            if (!System.IO.Directory.Exists(spec.WorkingDirectory))
            {
                // posix_spawn would report the failed chdir as ENOENT, which reads like a missing program.
                throw new WorktrunkException(ErrorIds.PathNotFound, ErrorKind.ObjectNotFound, $"Cannot find the working directory {Printable.Quote(spec.WorkingDirectory)}.", spec.WorkingDirectory);
            }

            // The worktree's identity is captured before anything starts: what stands at the path
            // from now on is compared with it, not merely checked for existence (PathWatch).
            var watcher = PathWatcher.Capture(spec.WatchedPath);
            if (spec.WatchedIdentity != null && watcher.Identity != null && watcher.Identity.Value != spec.WatchedIdentity.Value)
            {
                // -Detach: the launching session identified the worktree; it was removed and
                // recreated before this supervisor came up. Nothing starts.
                watcher.Dispose();
                throw new WorktrunkException(
                    ErrorIds.TetherWorktreeReplaced,
                    ErrorKind.InvalidOperation,
                    $"The worktree {Printable.Quote(spec.WatchedPath)} was removed and recreated before the tether started ({spec.WatchedIdentity.Value} when Start-WtTether ran, {watcher.Identity.Value} now); the command was not started.",
                    spec.WatchedPath,
                    "Start the tether again in the new worktree if that is what you want.");
            }

            TetherGuardian? guardian;
            try
            {
                guardian = Platform.IsWindows ? null : TetherGuardian.ForSession(sink);

                // The guardian is the session's (not this tether's): a sink that throws here leaks nothing.
                if (guardian != null)
                {
                    sink.Debug("tether guardian pid " + guardian.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture) + " (this session's)");
                }
            }
            catch
            {
                watcher.Dispose();
                throw;
            }

            ITetheredTree tree;
            try
            {
                tree = Platform.IsWindows ? WindowsJobTree.Start(spec) : (ITetheredTree)UnixGroupTree.Start(spec);
            }
            catch
            {
                // Nothing was armed: the session's guardian stays, for the next tether.
                watcher.Dispose();
                throw;
            }

            guardian?.Arm(tree.ProcessGroupId, spec.GracePeriod);
            var supervisor = new TetherSupervisor(spec, sink, tree, guardian, watcher);
            try
            {
                // The sink may throw (a stopping pipeline's Write*): from here on the supervisor
                // owns the tree and tears it down if the caller never gets it.
                sink.Debug($"tethered pid {tree.ProcessId}, process group {tree.ProcessGroupId}" + (guardian != null ? ", armed in the guardian" : string.Empty));
                sink.Debug(watcher.Identity == null
                    ? $"watching {Printable.Quote(spec.WatchedPath)} by existence only (its identity could not be read)"
                    : $"watching {Printable.Quote(spec.WatchedPath)} as {watcher.Identity.Value}" + (watcher.Pinned ? ", pinned by an open descriptor" : string.Empty));
            }
            catch
            {
                supervisor.Dispose();
                throw;
            }

            return supervisor;
        }

        /// <summary>Supervises until the command ends, the worktree goes, or <paramref name="cancellation"/> fires; the tree is down when this returns or throws.</summary>
        internal WtTetherResult Run(CancellationToken cancellation)
        {
            lock (_gate)
            {
                if (_running || _finished)
                {
                    throw new InvalidOperationException("A tether is supervised once.");
                }

                _running = true;
            }

            EventHandler onExit = (_, __) => StopAndWait();
            AppDomain.CurrentDomain.ProcessExit += onExit;
            var signals = TerminationSignals.Register(StopAndWait);
            _sink.Debug(signals != null ? "SIGTERM and SIGHUP tear the tree down before this process ends" : "no PosixSignalRegistration here: the guardian covers this process's death");
            var completed = false;
            try
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellation, _stop.Token);
                var outcome = TetherLoop.Run(
                    _tree,
                    Probe,
                    PathWatch.PollInterval,
                    _spec.GracePeriod,
                    linked.Token,
                    _sink,
                    _spec.WatchedPath);
                completed = true;
                var result = new WtTetherResult(_spec.Display, _spec.WatchedPath, _tree.ProcessId, _tree.ProcessGroupId, outcome.ExitCode, outcome.Signal, outcome.Reason, StartTime, _clock.Elapsed);

                // Reported before Finish releases a waiting signal handler: after that, the process may end at once.
                _sink.Verbose($"ended: {result.Reason}, {ExitStatus.Describe(result.ExitCode, result.Signal)}, after {result.Duration.TotalSeconds:0.###} s");
                return result;
            }
            finally
            {
                if (!completed)
                {
                    // Something threw out of the loop (a stopped pipeline's Write*): tear down anyway.
                    _tree.TearDown(_spec.GracePeriod);
                    _tree.CollectStatus(out _, out _);
                }

                AppDomain.CurrentDomain.ProcessExit -= onExit;
                Finish();
                signals?.Dispose();
            }
        }

        /// <summary>Tears the tree down if Run did not; waits for an active Run on another thread to finish its teardown.</summary>
        public void Dispose()
        {
            bool running;
            lock (_gate)
            {
                if (_finished)
                {
                    return;
                }

                running = _running;
                if (!running)
                {
                    // Claim it so a late Run cannot start.
                    _running = true;
                }
            }

            if (running)
            {
                StopAndWait();
                return;
            }

            try
            {
                _tree.TearDown(_spec.GracePeriod);
                _tree.CollectStatus(out _, out _);
            }
            finally
            {
                Finish();
            }
        }

        private WatchedPathState Probe()
        {
            var state = _watcher.Probe();
            AfterProbe?.Invoke(_watcher.Polls, state);
            return state;
        }

        private void StopAndWait()
        {
            try
            {
                _stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }

            _done.Wait(_spec.GracePeriod + TimeSpan.FromSeconds(5));
        }

        private void Finish()
        {
            lock (_gate)
            {
                if (_finished)
                {
                    return;
                }

                _finished = true;
            }

            // After the teardown: the group is empty, and the guardian must never signal its id again.
            _guardian?.Done(_tree.ProcessGroupId);
            _tree.Dispose();
            _watcher.Dispose();
            _done.Set();
        }
    }
}

// Contract: removes one planned worktree. This is the code that moves and deletes directories.
//
// Guarantees
//   * Order, for a live worktree: take the repository's removal lock → find its registration
//     (still registered at this path, directory present; else RemovalRaced) → stop this
//     worktree's fsmonitor daemon (bounded, best effort; up to ~3.5 s) → with -StopProcess, stop
//     the worktree's terminal-less processes (bounded, best effort; see below) → move the session out if
//     it is inside (a callback: a location change, it waits for nothing) → THE GATE: the whole
//     RemovalGuards evaluation on fresh state (registration unchanged and not locked, ownership,
//     no worktree nested inside, no initialized submodules, and unless -Force: detached HEAD
//     reachable, and the dirty gate's `git status`, untracked and unreadable directories
//     included) → rename(2) the directory to <common>/wt/trash/<name>-<unix seconds>, with
//     nothing between the gate and the rename that can wait (no step hook, no pause point, no
//     process) → unregister exactly this worktree (RegistrationRemover moves
//     <common>/worktrees/<id> into the trash in one rename, as `git worktree remove <path>` on
//     the vanished directory would delete it; when it declines, that git command runs; never
//     `git worktree prune`) → the branch decision (BranchDeleter: verified tips, one deleting
//     transaction) → the start of the detached background `rm -rf` of both trash entries (not
//     waited for) → release the lock (-Wait: delete in-process).
//   * A file written, a `git worktree lock` taken, a submodule initialized or a commit made
//     while the daemon was being stopped (or a -Confirm prompt waited) is seen by the gate: the
//     removal is refused and nothing is changed (the daemon stop is not data: git restarts the
//     daemon on its next command). The dirty gate's `git status` runs once per removal, there;
//     planning a confirmed removal starts no process for it (RemovalPlanner).
//   * If the rename fails (another filesystem, permissions, a Windows handle), the fallback is
//     `git worktree remove [--force] <path>` in place; its failure is RemovalFailed.
//   * Crash consistency: a kill at any point leaves either the worktree intact and registered
//     (before the rename), or its directory staged in the trash with the registration prunable
//     (between the two renames) or gone (moved whole into the trash, never half deleted). A
//     later Remove-WtWorktree of the prunable entry unregisters it alone; the stale-trash sweep
//     deletes trash entries older than 24 hours. Ctrl+C before the rename stops the removal with
//     nothing changed; nothing from the rename to the end of the unregister can be cancelled.
//   * Two removals of one worktree at once: the lock serializes them; the second re-reads the
//     registration, finds it gone, and reports RemovalRaced without touching anything. A second
//     removal planned after the first unregistered the worktree (a branch-only plan) takes the
//     same lock, finds the branch gone, and reports BranchNotFound.
// Data safety: every refusal happens before the first change, and the last one as late as it can:
//   after everything that can wait (lock, daemon stop, session move), immediately before the
//   rename. The rename never replaces an existing trash entry.
// Signal discipline: this file signals nothing itself; the daemon stop (Daemons/) signals only
//   the process holding exactly this worktree's fsmonitor socket, identity-checked.
// -StopProcess (Processes/WorktreeProcesses.StopTerminalless): after the daemon stop, so the daemon
//   (whose cwd is the worktree too) is stopped by its socket first and not signalled twice; before
//   the gate, so a file a process writes as it exits (a SIGTERM handler flushing state) is judged
//   by the dirty gate, and so nothing that waits (up to 1.5 s + 2 s) comes between the gate and
//   the rename. Only processes without a controlling terminal, never this process or its
//   ancestors, identity-checked (DaemonSignaller); a survivor is a warning and the removal goes
//   on (the rename works with processes inside). Ctrl+C during it: the gate then stops the removal.
// Platform: the same order everywhere. On Windows the daemon's handle on the directory blocks
//   the rename until the daemon is stopped, which is why the stop comes first; a rename still
//   refused by a handle falls back to `git worktree remove`. Background deletion on Windows is
//   in-process on a background thread (BackgroundDeleter).
// Test seams (internal): OnStep is called at each RemovalStep (fault and race injection);
//   Rename replaces NoReplaceRename.Move for both renames (to simulate one refused by a lock);
//   TestPausePoint pauses at a step only when a test harness switched it on with a token file
//   (kill tests; inert in a user's session); PauseEnvironment is where it reads its variables.

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.IO;
using Worktrunk.Processes;
using Worktrunk.Trash;

namespace Worktrunk.Removal
{
    /// <summary>Runs plans: stop, stage, unregister, branch, delete.</summary>
    internal sealed class RemovalExecutor
    {
        private readonly GitRunner _git;
        private readonly IDiagnosticSink _sink;
        private readonly CancellationToken _cancellation;
        private readonly object _stepLock = new object();

        internal RemovalExecutor(GitRunner git, IDiagnosticSink sink, CancellationToken cancellation)
        {
            _git = git;
            _sink = sink;
            _cancellation = cancellation;
        }

        /// <summary>Called at every step (tests inject faults and races here).</summary>
        internal Action<RemovalStep>? OnStep { get; set; }

        /// <summary>Moves a directory without replacing an existing destination; throws IOException on failure.</summary>
        internal Action<string, string> Rename { get; set; } = NoReplaceRename.Move;

        /// <summary>Where TestPausePoint reads its switch (the process environment; tests substitute their own).</summary>
        internal Func<string, string?> PauseEnvironment { get; set; } = Environment.GetEnvironmentVariable;

        /// <summary>The clock that names trash entries.</summary>
        internal Func<DateTimeOffset> Clock { get; set; } = () => DateTimeOffset.UtcNow;

        /// <summary>How long to wait for another removal in the same repository to release the lock.</summary>
        internal TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>
        /// Executes <paramref name="plan"/> (its Force and branch mode were fixed at planning);
        /// <paramref name="wait"/> deletes the staged directory in-process.
        /// <paramref name="beforeRename"/> runs after the daemon stop and before the last-moment
        /// gate (the cmdlet moves the session's location there; it must not wait) and returns where
        /// it moved the session, or null; if the gate then refuses, the caller moves it back. Throws
        /// <see cref="WorktrunkException"/> when the removal is refused or fails; anything that
        /// goes wrong after the worktree is gone is reported in the result or as a warning.
        /// </summary>
        internal WtRemovalResult Execute(RemovalPlan plan, bool wait, Func<string?>? beforeRename = null)
        {
            var clock = Stopwatch.StartNew();
            if (_cancellation.IsCancellationRequested)
            {
                throw new WorktrunkException(ErrorIds.CommandStopped, ErrorKind.OperationStopped, "Stopped before removing " + plan.Description + "; nothing was changed.", plan.Selector.Input);
            }

            switch (plan.Kind)
            {
                case WtRemovalKind.Worktree:
                    return ExecuteWorktree(plan, wait, beforeRename, clock);
                case WtRemovalKind.StaleEntry:
                    return ExecuteStaleEntry(plan, clock);
                case WtRemovalKind.BranchOnly:
                    return ExecuteBranchOnly(plan, clock);

                default:
                    throw new InvalidOperationException("Unknown plan kind " + plan.Kind);
            }
        }

        private WtRemovalResult ExecuteWorktree(RemovalPlan plan, bool wait, Func<string?>? beforeRename, Stopwatch clock)
        {
            var worktree = plan.Worktree!;
            var path = worktree.Path;
            var context = plan.Context;
            var common = context.CommonDir;
            string? staged;
            string? movedTo;
            WtRemovalMethod method;
            WtDaemonStopResult? daemon;
            List<WtProcessStopResult>? stopped = null;
            var deletion = WtDeletionMode.None;
            string? registration = null;
            BranchResult? branch = null;

            // Nothing from the rename to the end of the unregister may be cancelled half way.
            var uncancellable = _git.Derive(_sink, CancellationToken.None);
            Step(RemovalStep.BeforeLock);
            using (RemovalLock.Acquire(common, LockTimeout, _cancellation))
            {
                var found = FindRegistration(plan, requireDirectory: true);
                RegistrationRemover.Verify(found, common); // a linked registration: refused before anything changes (git would delete through it)
                Step(RemovalStep.BeforeStop);
                daemon = RemovalDaemons.Stop(path, found, _git);
                if (plan.StopProcesses)
                {
                    stopped = WorktreeProcesses.StopTerminalless(path, RemovalDaemons.EscalationDeadline, _sink, _cancellation);
                }

                Step(RemovalStep.AfterStop);

                // The session leaves first (a location change: it waits for nothing); then the gate, then at once the rename.
                movedTo = beforeRename?.Invoke();
                var gitDir = Gate(plan, found, requireDirectory: true);
                staged = TryStage(path, common);
                if (staged != null)
                {
                    Step(RemovalStep.AfterRename);

                    // Unregister exactly this worktree: its registration moves into the trash in one
                    // rename (RegistrationRemover); git does it when that declines.
                    registration = RegistrationRemover.TryMoveToTrash(gitDir, common, Clock(), _sink, Rename);
                    if (registration == null)
                    {
                        var unregister = uncancellable.Run(context.RunDirectory, GitAccess.Mutating, new[] { "worktree", "remove", path });
                        if (!unregister.Succeeded)
                        {
                            _sink.Warning($"The worktree's directory was moved to '{staged}', but `git worktree remove` failed: {unregister.Stderr.Trim()}. Its registration is left prunable; Remove-WtWorktree -Path '{path}' removes it.");
                        }
                    }

                    Step(RemovalStep.AfterUnregister);

                    // The branch (BranchDeleter verifies every tip it judged in the deleting transaction),
                    // then the detached deletion of both trash entries: started, not waited for.
                    branch = BranchDeleter.Delete(_git, context, plan.Branch, plan.Mode, plan.SharedCheckoutPath, Step);
                    if (!wait)
                    {
                        var entries = registration == null ? new[] { staged } : new[] { staged, registration };
                        deletion = StartBackground(common, entries) ? WtDeletionMode.Background : WtDeletionMode.None;
                    }
                    method = WtRemovalMethod.Staged;
                }
                else
                {
                    if (!Directory.Exists(path))
                    {
                        throw RemovalGuards.Raced($"The directory '{path}' disappeared while it was being removed (another process moved or deleted it).", plan.Selector.Input);
                    }

                    var args = new List<string> { "worktree", "remove" };
                    if (plan.Force)
                    {
                        args.Add("--force");
                    }

                    args.Add(path);
                    var fallback = uncancellable.Run(context.RunDirectory, GitAccess.Mutating, args);
                    if (!fallback.Succeeded)
                    {
                        throw new WorktrunkException(
                            ErrorIds.RemovalFailed,
                            ErrorKind.WriteError,
                            $"Could not move '{path}' into the trash, and `{fallback.CommandLine}` failed: {fallback.Stderr.Trim()}{Remaining(path)}",
                            plan.Selector.Input,
                            "Check what holds files in the directory (a running process, permissions), then run Remove-WtWorktree again.");
                    }

                    Step(RemovalStep.AfterUnregister);
                    method = WtRemovalMethod.Fallback;
                }
            }

            long? files = null;
            long? bytes = null;

            // The fallback removed the worktree in place: only now can its branch be judged.
            branch ??= BranchDeleter.Delete(_git, context, plan.Branch, plan.Mode, plan.SharedCheckoutPath, Step);

            if (staged != null && wait)
            {
                if (registration != null)
                {
                    // The registration's few files (HEAD, index, logs) first, quietly; the counts are the worktree's.
                    DeleteNow(common, registration, quiet: true);
                }

                var stats = DeleteNow(common, staged);
                deletion = WtDeletionMode.InProcess;
                files = stats.Files;
                bytes = stats.Bytes;
                if (stats.Failures > 0)
                {
                    _sink.Warning($"{stats.Failures.ToString(CultureInfo.InvariantCulture)} entries under '{staged}' could not be deleted; the stale-trash sweep retries after 24 hours.");
                }
            }

            return Result(plan, staged, method, branch, deletion, files, bytes, clock, daemon, movedTo, stopped);
        }

        /// <summary>
        /// A branch with no worktree. Under the repository's removal lock, like every removal, so it
        /// never runs beside a removal of the worktree that held it: that removal decides the branch
        /// itself, and this one then finds it gone and says so (BranchNotFound) instead of reporting
        /// a second success.
        /// </summary>
        private WtRemovalResult ExecuteBranchOnly(RemovalPlan plan, Stopwatch clock)
        {
            var context = plan.Context;
            Step(RemovalStep.BeforeLock);
            using (RemovalLock.Acquire(context.CommonDir, LockTimeout, _cancellation))
            {
                if (plan.Branch != null && IntegrationChecker.RevParse(_git, context.RunDirectory, "refs/heads/" + plan.Branch) == null)
                {
                    throw new WorktrunkException(
                        ErrorIds.BranchNotFound,
                        ErrorKind.ObjectNotFound,
                        $"Branch '{plan.Branch}' no longer exists: another removal got there first. Nothing was changed.",
                        plan.Selector.Input,
                        "Run Get-WtWorktree to see the worktrees as they are now.");
                }

                var branch = BranchDeleter.Delete(_git, context, plan.Branch, plan.Mode, plan.SharedCheckoutPath, Step);
                return Result(plan, null, WtRemovalMethod.None, branch, WtDeletionMode.None, null, null, clock);
            }
        }

        private WtRemovalResult ExecuteStaleEntry(RemovalPlan plan, Stopwatch clock)
        {
            var worktree = plan.Worktree!;
            var path = worktree.Path;
            var context = plan.Context;
            var uncancellable = _git.Derive(_sink, CancellationToken.None);
            WtDaemonStopResult? daemon;
            Step(RemovalStep.BeforeLock);
            using (RemovalLock.Acquire(context.CommonDir, LockTimeout, _cancellation))
            {
                var found = FindRegistration(plan, requireDirectory: false);
                RegistrationRemover.Verify(found, context.CommonDir); // `git worktree remove` would delete through a linked registration
                Step(RemovalStep.BeforeStop);

                // A daemon may still serve the vanished directory (it was deleted by hand): its socket
                // lives in the registration, which the unregister deletes.
                daemon = RemovalDaemons.Stop(path, found, _git);
                Step(RemovalStep.AfterStop);
                Gate(plan, found, requireDirectory: false);
                RegistrationRemover.Verify(found, context.CommonDir); // again at the last moment: git deletes by path
                var unregister = uncancellable.Run(context.RunDirectory, GitAccess.Mutating, new[] { "worktree", "remove", path });
                if (!unregister.Succeeded)
                {
                    throw new WorktrunkException(
                        ErrorIds.RemovalFailed,
                        ErrorKind.WriteError,
                        $"Could not remove the stale registration of '{path}': {unregister.Stderr.Trim()}",
                        plan.Selector.Input);
                }

                Step(RemovalStep.AfterUnregister);
            }

            var branch = BranchDeleter.Delete(_git, context, plan.Branch, plan.Mode, plan.SharedCheckoutPath, Step);
            return Result(plan, null, WtRemovalMethod.None, branch, WtDeletionMode.None, null, null, clock, daemon);
        }

        /// <summary>
        /// Under the lock, before the daemon stop: the registration serving the plan's path (read
        /// from the files `git worktree list` reads, no process) and the directory's presence as
        /// planned. Throws RemovalRaced when another removal (or process) got there first.
        /// </summary>
        private string FindRegistration(RemovalPlan plan, bool requireDirectory) => FindRegistration(plan, requireDirectory, out _);

        private string FindRegistration(RemovalPlan plan, bool requireDirectory, out WorktreeLister.Registrations registrations)
        {
            var path = plan.Worktree!.Path;
            registrations = WorktreeLister.ReadRegistrations(plan.Context.CommonDir);
            if (!registrations.TryGetValue(PathUtil.Canonicalize(path), out var gitDir))
            {
                throw RemovalGuards.Raced($"The worktree at '{path}' is no longer registered: another removal got there first. Nothing was changed.", plan.Selector.Input);
            }

            var exists = Directory.Exists(path);
            if (requireDirectory && !exists)
            {
                throw RemovalGuards.Raced($"The directory '{path}' disappeared after it was checked (another removal, or another process). Nothing was changed.", plan.Selector.Input);
            }

            if (!requireDirectory && exists)
            {
                throw RemovalGuards.Raced($"The directory '{path}' reappeared after it was checked. Nothing was changed; run Remove-WtWorktree again.", plan.Selector.Input);
            }

            return gitDir;
        }

        /// <summary>
        /// The last-moment gate: re-reads the registration (it must still be <paramref name="found"/>,
        /// the one whose daemon was stopped) and evaluates the whole <see cref="RemovalGuards"/> on
        /// that fresh state; for a stale entry, still unlocked and its directory still absent.
        /// Returns the registration. Throws the refusal; Ctrl+C here stops with nothing changed.
        /// </summary>
        private string Gate(RemovalPlan plan, string found, bool requireDirectory)
        {
            var gitDir = FindRegistration(plan, requireDirectory, out var registrations);
            var path = plan.Worktree!.Path;
            if (!string.Equals(gitDir, found, PathUtil.Comparison))
            {
                throw RemovalGuards.Raced($"The worktree at '{path}' was registered anew (as '{gitDir}') while it was being removed. Nothing was changed.", plan.Selector.Input);
            }

            var lockFile = Path.Combine(gitDir, "locked");
            var locked = File.Exists(lockFile);
            var reason = locked ? SafeRead(lockFile) : null;
            if (!requireDirectory)
            {
                if (locked)
                {
                    throw RemovalGuards.Locked(path, plan.Branch, reason, plan.Selector.Input);
                }

                return gitDir;
            }

            var registered = new List<string>(registrations.Keys);
            if (plan.Context.Main != null)
            {
                registered.Add(plan.Context.Main.Path);
            }

            try
            {
                RemovalGuards.Check(new GuardFacts(path, gitDir, locked, reason, registered), plan.Branch, plan.Force, GuardDepth.Full, new GitRemovalProbe(_git), plan.Context, plan.Selector.Input);
            }
            catch (OperationCanceledException e)
            {
                throw Stopped(plan, e);
            }

            if (_cancellation.IsCancellationRequested)
            {
                throw Stopped(plan, null);
            }

            return gitDir;
        }

        private static WorktrunkException Stopped(RemovalPlan plan, Exception? inner) =>
            new WorktrunkException(ErrorIds.CommandStopped, ErrorKind.OperationStopped, "Stopped before removing " + plan.Description + "; nothing was changed.", plan.Selector.Input, null, inner);

        private static string SafeRead(string file)
        {
            try
            {
                return File.ReadAllText(file).Trim();
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return string.Empty;
            }
        }

        /// <summary>Renames the directory into the trash; the staged path, or null when the rename failed (the caller falls back).</summary>
        private string? TryStage(string path, string commonDir)
        {
            var staged = TrashMove.TryMoveIn(commonDir, path, path, Clock(), Rename, _sink, out var failure);
            if (staged == null)
            {
                _sink.Verbose("The rename into the trash failed (" + failure + "); removing in place with git instead.");
            }

            return staged;
        }

        private DeletionStats DeleteNow(string commonDir, string entry, bool quiet = false)
        {
            var announced = false;
            IDiagnosticSink sink = quiet ? (IDiagnosticSink)NullSink.Instance : new StepSink(_sink, () =>
            {
                if (!announced)
                {
                    announced = true;
                    Step(RemovalStep.DuringDeletion);
                }
            });
            try
            {
                return BackgroundDeleter.DeleteInProcess(commonDir, entry, sink, _cancellation);
            }
            catch (OperationCanceledException)
            {
                // Stopped half way: hand the rest to the background deleter rather than leave it for a day.
                StartBackground(commonDir, new[] { entry });
                throw;
            }
        }

        private bool StartBackground(string commonDir, IReadOnlyList<string> entries)
        {
            try
            {
                BackgroundDeleter.Start(commonDir, entries, Path.Combine(TrashPaths.LogsDir(commonDir), "internal-remove.log"), _sink);
                Step(RemovalStep.AfterDeletionStarted);
                return true;
            }
            catch (Exception e) when (e is WorktrunkException || e is IOException || e is UnauthorizedAccessException || e is System.ComponentModel.Win32Exception)
            {
                _sink.Warning($"Could not start the background deletion of '{string.Join("', '", entries)}': {e.Message}. It stays in the trash; the stale-trash sweep deletes it after 24 hours.");
                return false;
            }
        }

        private void Step(RemovalStep step)
        {
            // Serialized so a test handler never sees two steps at once, whatever thread reports them.
            lock (_stepLock)
            {
                _sink.Debug("removal step: " + step);
                OnStep?.Invoke(step);
            }

            if (TestPausePoint.Reached(step, _cancellation, PauseEnvironment) && _cancellation.IsCancellationRequested && step <= RemovalStep.AfterStop)
            {
                // Ctrl+C while paused before the rename: stop here, nothing changed (later steps cannot be cancelled).
                throw new OperationCanceledException(_cancellation);
            }
        }

        /// <summary>" Remaining in the directory: a, b/, …" (sorted, at most 10), or empty.</summary>
        internal static string Remaining(string path)
        {
            try
            {
                if (!Directory.Exists(path))
                {
                    return string.Empty;
                }

                var names = new List<string>();
                foreach (var e in new DirectoryInfo(path).EnumerateFileSystemInfos())
                {
                    names.Add(e is DirectoryInfo ? e.Name + "/" : e.Name);
                }

                if (names.Count == 0)
                {
                    return string.Empty;
                }

                names.Sort(StringComparer.Ordinal);
                var shown = names.GetRange(0, Math.Min(10, names.Count));
                var more = names.Count > 10 ? ", and " + (names.Count - 10).ToString(CultureInfo.InvariantCulture) + " more" : string.Empty;
                return " Remaining in the directory: " + string.Join(", ", shown) + more + ".";
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return string.Empty;
            }
        }

        private static WtRemovalResult Result(RemovalPlan plan, string? staged, WtRemovalMethod method, BranchResult branch, WtDeletionMode deletion, long? files, long? bytes, Stopwatch clock, WtDaemonStopResult? daemon = null, string? movedTo = null, IReadOnlyList<WtProcessStopResult>? stopped = null) =>
            new WtRemovalResult(
                plan.Kind,
                plan.Branch,
                plan.Path,
                staged,
                method,
                plan.Force,
                branch.Outcome,
                branch.Reason,
                branch.Level,
                branch.Target,
                branch.CheckedOutAt,
                daemon,
                deletion,
                files,
                bytes,
                movedTo,
                plan.Context.CommonDir,
                clock.Elapsed,
                stopped);

        /// <summary>Forwards to the real sink and calls back on the first progress report.</summary>
        private sealed class StepSink : IDiagnosticSink
        {
            private readonly IDiagnosticSink _inner;
            private readonly Action _onProgress;

            internal StepSink(IDiagnosticSink inner, Action onProgress)
            {
                _inner = inner;
                _onProgress = onProgress;
            }

            public void Verbose(string message) => _inner.Verbose(message);

            public void Warning(string message) => _inner.Warning(message);

            public void Debug(string message) => _inner.Debug(message);

            public void Progress(int activityId, string activity, string status, int percent, bool completed)
            {
                _inner.Progress(activityId, activity, status, percent, completed);
                if (!completed)
                {
                    _onProgress();
                }
            }
        }
    }
}

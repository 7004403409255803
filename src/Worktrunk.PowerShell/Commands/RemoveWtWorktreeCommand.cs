using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.IO;
using Worktrunk.PowerShell.Completion;
using Worktrunk.PowerShell.Internal;
using Worktrunk.Removal;

namespace Worktrunk.PowerShell.Commands
{
    /// <summary>
    /// <para type="synopsis">Removes git worktrees instantly and safely: guards, fsmonitor stop, trash staging, background deletion and integrated-branch deletion.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "WtWorktree", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = BranchSet)]
    [OutputType(typeof(WtRemovalResult))]
    public sealed class RemoveWtWorktreeCommand : WorktrunkCmdlet
    {
        private const string BranchSet = "Branch";
        private const string PathSet = "Path";
        private const string InputObjectSet = "InputObject";

        private readonly List<RemovalSelector> _selectors = new List<RemovalSelector>();
        private RemovalOptions? _options;

        /// <summary>Gets or sets the branches whose worktrees to remove (a branch with no worktree is itself considered for deletion).</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = BranchSet)]
        [ArgumentCompleter(typeof(WorktreeBranchCompleter))]
        [ValidateNotNullOrEmpty]
        public string[]? Branch { get; set; }

        /// <summary>Gets or sets the root directories of the worktrees to remove; a directory that no longer exists names a stale registration.</summary>
        [Parameter(Mandatory = true, ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[]? Path { get; set; }

        /// <summary>Gets or sets worktrees from Get-WtWorktree.</summary>
        [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public WtWorktree[]? InputObject { get; set; }

        /// <summary>Gets or sets a path inside the repository; defaults to the session's current location.</summary>
        [Parameter(ParameterSetName = BranchSet)]
        [Parameter(ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        public string? Repository { get; set; }

        /// <summary>Gets or sets a value indicating whether to remove worktrees with uncommitted changes (lifts the dirty gate and nothing else).</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Gets or sets a value indicating whether to keep the branch even when it is integrated.</summary>
        [Parameter]
        public SwitchParameter KeepBranch { get; set; }

        /// <summary>Gets or sets a value indicating whether to delete the branch even when it is not integrated (git branch -D).</summary>
        [Parameter]
        public SwitchParameter ForceDeleteBranch { get; set; }

        /// <summary>Gets or sets a value indicating whether to delete the directory in this process, with progress, before returning.</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>Gets or sets a value indicating whether to stop the worktree's processes that have no controlling terminal before its directory moves (identity-checked SIGTERM, then SIGKILL); processes with a terminal are named in a warning and left running.</summary>
        [Parameter]
        public SwitchParameter StopProcess { get; set; }

        /// <summary>Gets or sets a value indicating whether to emit a WtRemovalResult per target.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <inheritdoc/>
        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            try
            {
                _options = RemovalOptions.FromFlags(Force, KeepBranch, ForceDeleteBranch, Wait, StopProcess);
            }
            catch (WorktrunkException e)
            {
                ThrowTerminating(e);
            }
        }

        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            switch (ParameterSetName)
            {
                case BranchSet:
                    foreach (var b in Branch!)
                    {
                        _selectors.Add(new RemovalSelector(SelectorKind.Branch, b, b));
                    }

                    break;
                case PathSet:
                    foreach (var p in Path!)
                    {
                        _selectors.Add(new RemovalSelector(SelectorKind.Path, PathUtil.TrimEnd(ResolveDirectory(p, nameof(Path))), p));
                    }

                    break;
                case InputObjectSet:
                    foreach (var w in InputObject!)
                    {
                        _selectors.Add(new RemovalSelector(SelectorKind.Worktree, w.Path, w));
                    }

                    break;
                default:
                    throw new InvalidOperationException("Unknown parameter set " + ParameterSetName);
            }
        }

        /// <inheritdoc/>
        protected override void EndProcessing()
        {
            var options = _options!;
            var git = Git;
            var probe = new GitRemovalProbe(git);
            var contexts = new Dictionary<string, RemovalContext>(PathUtil.Comparison == StringComparison.Ordinal ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase);
            var plans = new List<RemovalPlan>();
            var seen = new HashSet<string>(StringComparer.Ordinal);

            // Plan every target before touching any.
            foreach (var selector in _selectors)
            {
                try
                {
                    var context = ContextFor(selector, git, contexts);
                    var plan = RemovalPlanner.Plan(selector, context, options, probe);
                    var key = plan.Kind == WtRemovalKind.BranchOnly ? context.CommonDir + "\0b\0" + plan.Branch : "p\0" + PathUtil.Canonicalize(plan.Path!);
                    if (seen.Add(key))
                    {
                        plans.Add(plan);
                    }
                    else
                    {
                        WriteVerbose($"'{selector.Text}' names a target already selected; it is removed once.");
                    }
                }
                catch (WorktrunkException e)
                {
                    WriteWorktrunkError(e, selector.Input);
                }
            }

            Sink.Drain();

            // Others, then branches and stale entries, then the worktree the session is in.
            var ordered = new List<RemovalPlan>();
            foreach (var order in new[] { RemovalOrder.OtherWorktree, RemovalOrder.BranchOrStale, RemovalOrder.CurrentWorktree })
            {
                foreach (var p in plans)
                {
                    if (p.Order == order)
                    {
                        ordered.Add(p);
                    }
                }
            }

            var executor = new RemovalExecutor(git, Sink, Cancellation);
            var whatIf = MyInvocation.BoundParameters.TryGetValue("WhatIf", out var whatIfBound) ? whatIfBound is SwitchParameter whatIfSwitch && whatIfSwitch.IsPresent : LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));
            var touched = new Dictionary<string, RepositoryLocation>(StringComparer.Ordinal);
            foreach (var plan in ordered)
            {
                if (Stopping)
                {
                    break;
                }

                foreach (var w in plan.Warnings)
                {
                    WriteWarning(w);
                }

                if (whatIf)
                {
                    // -WhatIf says what would be refused: the whole guard, read only, nothing stopped
                    // (a confirmed removal runs it once, at the last moment, in the executor).
                    try
                    {
                        RemovalPlanner.Preview(plan, probe);
                    }
                    catch (WorktrunkException e)
                    {
                        WriteWorktrunkError(e, plan.Selector.Input);
                        continue;
                    }
                }

                if (!ShouldProcess(plan.Description, plan.Action))
                {
                    continue;
                }

                string? leftFrom = null;
                try
                {
                    Func<string?>? move = null;
                    if (plan.IsCurrent)
                    {
                        move = () =>
                        {
                            leftFrom = CurrentFileSystemLocation();
                            return MoveSessionOut(plan);
                        };
                    }

                    var result = executor.Execute(plan, options.Wait, move);
                    touched[plan.Context.CommonDir] = plan.Context.Repository;
                    Sink.Drain();
                    Report(result);
                    if (PassThru)
                    {
                        WriteObject(result);
                    }
                }
                catch (WorktrunkException e)
                {
                    // The session left a worktree that is still there (the in-place fallback failed): take it back.
                    if (leftFrom != null && Directory.Exists(leftFrom))
                    {
                        SessionState.Path.SetLocation(WildcardPattern.Escape(leftFrom));
                    }

                    WriteWorktrunkError(e, plan.Selector.Input);
                }
                catch (OperationCanceledException)
                {
                    Sink.Drain();
                    break;
                }
            }

            // After all output: the repository's orphan sweep. Bounded, best effort, never under -WhatIf
            // (nothing was executed then, so nothing is touched).
            foreach (var repo in touched.Values)
            {
                if (Stopping)
                {
                    break;
                }

                RemovalSweep.Run(repo, git, Sink, DateTimeOffset.UtcNow);
            }

            Sink.Drain();
        }

        /// <summary>
        /// The repository a selector belongs to: a WtWorktree's own repository; for a path, the
        /// repository of -Repository (or the session) when the path is registered there, else the
        /// repository holding the path; for a branch, -Repository or the session's.
        /// </summary>
        private RemovalContext ContextFor(RemovalSelector selector, GitRunner git, Dictionary<string, RemovalContext> cache)
        {
            if (selector.Kind == SelectorKind.Worktree)
            {
                return Load(RepositoryLocator.Locate(((WtWorktree)selector.Input).CommonDir, git), git, cache);
            }

            RemovalContext? fallback = null;
            WorktrunkException? fallbackError = null;
            try
            {
                fallback = Load(RepositoryLocator.Locate(ResolveDirectory(Repository, nameof(Repository)), git), git, cache);
            }
            catch (WorktrunkException e) when (selector.Kind == SelectorKind.Path)
            {
                fallbackError = e;
            }

            if (selector.Kind == SelectorKind.Branch)
            {
                return fallback!;
            }

            if (fallback != null && RemovalPlanner.FindByPath(fallback, selector.Text) != null)
            {
                return fallback;
            }

            if (Directory.Exists(selector.Text))
            {
                try
                {
                    return Load(RepositoryLocator.Locate(selector.Text, git), git, cache);
                }
                catch (WorktrunkException) when (fallback != null)
                {
                }
            }

            return fallback ?? throw fallbackError!;
        }

        private RemovalContext Load(RepositoryLocation repo, GitRunner git, Dictionary<string, RemovalContext> cache)
        {
            if (!cache.TryGetValue(repo.CommonDir, out var context))
            {
                context = RemovalContext.Load(repo, git, CurrentFileSystemLocation());
                cache[repo.CommonDir] = context;
            }

            return context;
        }

        /// <summary>
        /// Moves the session's location out of the worktree about to move: to the same
        /// subdirectory of the main worktree when it exists there, else to its root (in a bare
        /// repository, the repository directory). Returns the new location.
        /// </summary>
        private string? MoveSessionOut(RemovalPlan plan)
        {
            var current = CurrentFileSystemLocation();
            if (current == null)
            {
                return null;
            }

            var root = PathUtil.Canonicalize(plan.Path!);
            var here = PathUtil.Canonicalize(current);
            if (!PathUtil.IsAtOrUnder(here, root))
            {
                return null;
            }

            var main = plan.Context.Main;
            var destination = main != null && Directory.Exists(main.Path) ? PathUtil.TrimEnd(main.Path) : plan.Context.CommonDir;
            var relative = here.Length > root.Length ? here.Substring(root.Length).TrimStart(System.IO.Path.DirectorySeparatorChar, '/') : string.Empty;
            if (relative.Length > 0 && Directory.Exists(System.IO.Path.Combine(destination, relative)))
            {
                destination = System.IO.Path.Combine(destination, relative);
            }

            try
            {
                SessionState.Path.SetLocation(WildcardPattern.Escape(destination));
            }
            catch (Exception e) when (e is SessionStateException || e is ProviderInvocationException || e is PSInvalidOperationException || e is ArgumentException)
            {
                throw new WorktrunkException(
                    ErrorIds.RemovalFailed,
                    ErrorKind.InvalidOperation,
                    $"Cannot move the session out of '{plan.Path}' to '{destination}': {e.Message}. Nothing was removed.",
                    plan.Selector.Input,
                    "Set-Location out of the worktree, then run Remove-WtWorktree again.",
                    e);
            }

            WriteVerbose($"The session was inside the worktree; its location is now '{destination}'.");
            return destination;
        }

        private void Report(WtRemovalResult r)
        {
            var what = r.Kind == WtRemovalKind.BranchOnly ? "branch " + r.Branch
                : r.Kind == WtRemovalKind.StaleEntry ? "stale registration " + r.Path
                : "worktree " + r.Path + (r.StagedPath != null ? " (staged at " + r.StagedPath + ")" : " (removed in place by git)");
            WriteVerbose($"Removed {what}; branch: {r.BranchOutcome} ({r.BranchReason}).");
            if (r.BranchOutcome == WtBranchOutcome.RetainedRaced || r.BranchOutcome == WtBranchOutcome.RetainedFailed)
            {
                WriteWarning($"Kept branch '{r.Branch}': {r.BranchReason}.");
            }
        }
    }
}

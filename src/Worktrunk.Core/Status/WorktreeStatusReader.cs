using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.Removal;

namespace Worktrunk.Status
{
    /// <summary>
    /// Reads what `Get-WtWorktree -Status` adds to each worktree: the working-tree counts
    /// (`git status --porcelain=v2 -z --untracked-files=normal`, read-only), the operation in
    /// progress (from the worktree's git directory, <see cref="OperationReader"/>), ahead/behind
    /// against the default branch and whether the branch is integrated (the removal's
    /// <see cref="DefaultBranchResolver"/> and <see cref="IntegrationChecker"/>).
    /// Guarantees: read-only (every git call passes --no-optional-locks and
    /// -c core.fsmonitor=false through <see cref="GitRunner"/>, so no index refresh is written and
    /// no fsmonitor daemon is consulted or started; `merge-tree --write-tree` writes unreferenced
    /// objects only, as the removal's check does); bounded (at most <see cref="MaxConcurrency"/>
    /// git processes at once, each under the runner's timeout); a worktree whose status cannot be
    /// read says so in its own object (<see cref="WorktreeStatus.Error"/>) and in a warning, never
    /// failing the listing; Ctrl+C (the runner's cancellation) stops every call and ends the read.
    /// Fewer processes than one status and one rev-list per worktree: ahead/behind for every
    /// branch from one `git for-each-ref --format=%(ahead-behind:...)` (git 2.41+), and for the
    /// tips it does not count (detached heads; every tip on older gits) one graph walk
    /// (<see cref="AheadBehindBatch"/>; failing that, one `git rev-list --left-right --count` per
    /// worktree); integration cheapest first with the
    /// shortcuts the counts allow (same commit: no process; ahead 0: an ancestor, no process),
    /// and for the rest one `git merge-tree --write-tree --stdin` for all branches (git 2.40+;
    /// before that, <see cref="NotIntegratedProof"/> from the walk's merge bases with one
    /// diff-tree --stdin, and one merge-tree per branch it cannot prove) whose clean result that differs from the target's tree
    /// proves "not integrated" at every level (see <see cref="PrefilterProvesNotIntegrated"/>);
    /// any other answer runs the removal's checker itself, so the reason is the one the removal
    /// would give.
    /// </summary>
    internal static class WorktreeStatusReader
    {
        /// <summary>From this many worktrees on, progress is reported.</summary>
        internal const int ProgressThreshold = 8;

        private const int ProgressActivity = 0x5717;

        /// <summary>Gets how many git processes run at once.</summary>
        internal static int MaxConcurrency => Math.Max(2, Environment.ProcessorCount * 2);

        /// <summary>
        /// The worktrees with their status (same order); bare entries are returned unchanged.
        /// Throws a WorktrunkException (CommandStopped) when cancelled.
        /// </summary>
        internal static List<WtWorktree> Read(RepositoryLocation repository, IReadOnlyList<WtWorktree> worktrees, GitRunner git, string? currentLocation)
        {
            var statuses = new WorktreeStatus[worktrees.Count];
            for (var i = 0; i < statuses.Length; i++)
            {
                statuses[i] = new WorktreeStatus();
            }

            Plan plan;
            try
            {
                plan = Plan.Load(repository, worktrees, git, currentLocation);
            }
            catch (WorktrunkException e) when (e.ErrorId != ErrorIds.CommandStopped)
            {
                // Without the refs there is no ahead/behind or integration; the counts are still read.
                var note = "the default branch and the branches could not be read: " + Printable.OneLine(e.Message);
                git.Sink.Warning("Get-WtWorktree -Status: " + note);
                plan = Plan.Empty(repository);
            }

            // The merge pre-filter for every branch that needs it, one process, while the statuses run.
            Dictionary<string, MergeOutcome>? merges = null;
            HashSet<string>? proven = null;
            Exception? mergeFailure = null;
            Thread? mergeThread = null;
            if (!plan.Batched && plan.FastTarget != null && plan.MergeBases != null && plan.AheadBehindByTip != null)
            {
                // No merge-tree --stdin before git 2.40: prove "not integrated" for all branches at once instead of a merge each.
                var bases = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                foreach (var w in worktrees)
                {
                    var sha = plan.BranchTip(w);
                    if (sha != null && NeedsIntegration(w) && plan.AheadBehindByTip.TryGetValue(sha, out var ab) && ab.Ahead > 0 && plan.MergeBases.TryGetValue(sha, out var mergeBase))
                    {
                        bases[sha] = mergeBase;
                    }
                }

                if (bases.Count > 0)
                {
                    var target = plan.FastTarget.Value.Sha;
                    mergeThread = new Thread(() =>
                    {
                        try
                        {
                            var found = NotIntegratedProof.Prove(git, plan.RunDirectory, target, bases);
                            proven = found;

                            // The branches it could not prove: their merges now, while the statuses run, not after them.
                            var rest = new Dictionary<string, MergeOutcome>(StringComparer.OrdinalIgnoreCase);
                            foreach (var tip in bases.Keys)
                            {
                                if (!found.Contains(tip))
                                {
                                    rest[tip] = MergeOne(git, plan.RunDirectory, target, tip);
                                }
                            }

                            merges = rest;
                        }
                        catch (Exception e)
                        {
                            mergeFailure = e;
                        }
                    })
                    { IsBackground = true, Name = "Worktrunk status: not-integrated proof" };
                    mergeThread.Start();
                }
            }
            else if (plan.Batched && plan.FastTarget != null)
            {
                var candidates = new List<string>();
                foreach (var w in worktrees)
                {
                    var sha = plan.BranchTip(w);
                    if (sha != null && NeedsIntegration(w) && plan.AheadBehind.TryGetValue(w.Branch!, out var ab) && ab.Ahead > 0 && !candidates.Contains(sha))
                    {
                        candidates.Add(sha);
                    }
                }

                if (candidates.Count > 0)
                {
                    mergeThread = new Thread(() =>
                    {
                        try
                        {
                            merges = BatchMerge(git, plan.RunDirectory, plan.FastTarget.Value.Sha, candidates);
                        }
                        catch (Exception e)
                        {
                            mergeFailure = e;
                        }
                    })
                    { IsBackground = true, Name = "Worktrunk status: merge-tree --stdin" };
                    mergeThread.Start();
                }
            }

            var done = 0;
            var progress = worktrees.Count >= ProgressThreshold;
            Bounded.Run(worktrees.Count, MaxConcurrency, git.Cancellation, i =>
            {
                ReadOne(worktrees[i], statuses[i], plan, git);
                var n = Interlocked.Increment(ref done);
                if (progress)
                {
                    git.Sink.Progress(ProgressActivity, "Reading worktree status", $"{n.ToString(CultureInfo.InvariantCulture)} of {worktrees.Count.ToString(CultureInfo.InvariantCulture)}", n * 90 / worktrees.Count, false);
                }
            });

            mergeThread?.Join();
            if (mergeFailure is WorktrunkException stopped && stopped.ErrorId == ErrorIds.CommandStopped)
            {
                throw stopped;
            }

            Bounded.Run(worktrees.Count, MaxConcurrency, git.Cancellation, i => Integrate(worktrees[i], statuses[i], plan, merges, proven, git));
            if (progress)
            {
                git.Sink.Progress(ProgressActivity, "Reading worktree status", "done", 100, true);
            }

            var result = new List<WtWorktree>(worktrees.Count);
            for (var i = 0; i < worktrees.Count; i++)
            {
                var w = worktrees[i];
                if (w.IsBare)
                {
                    result.Add(w);
                    continue;
                }

                if (statuses[i].Error != null)
                {
                    git.Sink.Warning($"The status of {Printable.Quote(w.Path)} could not be read whole: {statuses[i].Error}");
                }

                result.Add(w.WithStatus(statuses[i]));
            }

            return result;
        }

        /// <summary>A linked worktree with a branch checked out (not main, not detached, not bare): the ones IsIntegrated is judged for.</summary>
        internal static bool NeedsIntegration(WtWorktree w) => !w.IsMain && !w.IsBare && !w.IsDetached && w.Branch != null;

        /// <summary>Counts, operation and (when not batched) ahead/behind of one worktree.</summary>
        private static void ReadOne(WtWorktree w, WorktreeStatus status, Plan plan, GitRunner git)
        {
            if (w.IsBare)
            {
                return;
            }

            if (!Directory.Exists(w.Path))
            {
                status.AddError($"its directory {Printable.Quote(w.Path)} does not exist");
            }
            else
            {
                try
                {
                    ReadWorkingTree(w, status, plan, git);
                }
                catch (WorktrunkException e) when (e.ErrorId != ErrorIds.CommandStopped)
                {
                    status.AddError(Printable.OneLine(e.Message));
                }
            }

            var tip = plan.BranchTip(w) ?? w.Head;
            if (plan.BaseSha == null || tip == null || IsUnborn(tip))
            {
                return;
            }

            if (w.Branch != null && !w.IsDetached && plan.AheadBehind.TryGetValue(w.Branch, out var batched))
            {
                status.Ahead = batched.Ahead;
                status.Behind = batched.Behind;
                return;
            }

            if (plan.AheadBehindByTip != null && plan.AheadBehindByTip.TryGetValue(tip, out var walked))
            {
                status.Ahead = walked.Ahead;
                status.Behind = walked.Behind;
                return;
            }

            try
            {
                var r = git.Run(plan.RunDirectory, GitAccess.ReadOnly, new[] { "rev-list", "--left-right", "--count", plan.BaseSha + "..." + tip, "--" });
                var parts = r.Stdout.Trim().Split('\t', ' ');
                if (r.Succeeded && parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var behind) && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ahead))
                {
                    status.Ahead = ahead;
                    status.Behind = behind;
                }
                else
                {
                    status.AddError($"{r.CommandLine} failed: {Printable.OneLine(r.Stderr.Trim())}");
                }
            }
            catch (WorktrunkException e) when (e.ErrorId != ErrorIds.CommandStopped)
            {
                status.AddError(Printable.OneLine(e.Message));
            }
        }

        private static void ReadWorkingTree(WtWorktree w, WorktreeStatus status, Plan plan, GitRunner git)
        {
            var r = git.Run(w.Path, GitAccess.ReadOnly, new[] { "status", "--porcelain=v2", "-z", "--untracked-files=normal" });
            if (!r.Succeeded)
            {
                status.AddError($"{r.CommandLine} failed: {Printable.OneLine(r.Stderr.Trim())}");
            }
            else
            {
                var counts = PorcelainStatusParser.Parse(r.Stdout);
                if (counts == null)
                {
                    status.AddError("git status printed something this version of Worktrunk cannot read");
                }
                else
                {
                    status.Counts = counts;
                    var unreadable = DirtyGate.Unreadable(r.Stderr);
                    if (unreadable.Count > 0)
                    {
                        // The counts leave out what git could not look at.
                        status.AddError("git could not read part of it: " + string.Join("; ", unreadable));
                    }
                }
            }

            if (w.GitDir != null)
            {
                status.Operation = OperationReader.Read(w.GitDir, plan.FilesBackend, name =>
                    git.Run(w.Path, GitAccess.ReadOnly, new[] { "rev-parse", "--verify", "--quiet", "--end-of-options", name }).Succeeded);
            }
        }

        /// <summary>IsIntegrated, IntegrationReason, IntegrationTarget of one worktree.</summary>
        private static void Integrate(WtWorktree w, WorktreeStatus status, Plan plan, Dictionary<string, MergeOutcome>? merges, HashSet<string>? proven, GitRunner git)
        {
            var tip = plan.BranchTip(w);
            // The default branch itself (checked out in a linked worktree) is what others integrate into, not a candidate.
            if (!NeedsIntegration(w) || plan.DefaultBranch == null || string.Equals(w.Branch, plan.DefaultBranch, StringComparison.Ordinal) || tip == null || IsUnborn(tip) || plan.Targets.Count == 0)
            {
                return;
            }

            try
            {
                if (plan.FastTarget is (string name, string sha) fast)
                {
                    status.IntegrationTarget = name;
                    if (string.Equals(tip, sha, StringComparison.OrdinalIgnoreCase))
                    {
                        Set(status, WtIntegrationLevel.SameCommit);
                        return;
                    }

                    // Ahead counts the commits of the branch the target lacks, against this same commit.
                    if (status.Ahead == 0)
                    {
                        Set(status, WtIntegrationLevel.Ancestor);
                        return;
                    }

                    if (proven != null && status.Ahead > 0 && proven.Contains(tip))
                    {
                        status.IsIntegrated = false;
                        return;
                    }

                    if (status.Ahead != null && plan.TargetTree != null)
                    {
                        MergeOutcome? merge = null;
                        if (merges != null && merges.TryGetValue(tip, out var m))
                        {
                            merge = m;
                        }
                        else
                        {
                            merge = MergeOne(git, plan.RunDirectory, sha, tip);
                        }

                        if (PrefilterProvesNotIntegrated(merge, plan.TargetTree))
                        {
                            status.IsIntegrated = false;
                            return;
                        }

                        var known = LevelAfterCleanMerge(git, plan, merge, sha, tip);
                        if (known != null)
                        {
                            Set(status, known.Value);
                            return;
                        }
                    }

                    var level = IntegrationChecker.Level(git, plan.RunDirectory, tip, sha);
                    if (level != null)
                    {
                        Set(status, level.Value);
                    }
                    else
                    {
                        status.IsIntegrated = false;
                    }

                    return;
                }

                // Several targets, or one other than the ref ahead/behind counts against: the checker as the removal runs it.
                foreach (var (targetName, targetSha) in plan.Targets)
                {
                    var level = IntegrationChecker.Level(git, plan.RunDirectory, tip, targetSha);
                    if (level != null)
                    {
                        status.IntegrationTarget = targetName;
                        Set(status, level.Value);
                        return;
                    }
                }

                status.IntegrationTarget = plan.Targets[0].Name;
                status.IsIntegrated = false;
            }
            catch (WorktrunkException e) when (e.ErrorId != ErrorIds.CommandStopped)
            {
                status.IsIntegrated = null;
                status.IntegrationReason = null;
                status.AddError("integration: " + Printable.OneLine(e.Message));
            }
        }

        /// <summary>
        /// The level when the merge into the target is clean and gives the target's own tree (so the
        /// branch is integrated at level 3, 4 or 5), with one process instead of the checker's four:
        /// `git diff-tree -r --name-only --no-commit-id --merge-base target branch` is the checker's
        /// no-added-changes test (merge base, then the diff from it) in one call; tree matches
        /// compares the trees for-each-ref read; otherwise merging adds nothing, which the merge just
        /// showed. Null (the checker decides) for anything else, e.g. several merge bases, which
        /// --merge-base refuses.
        /// </summary>
        private static WtIntegrationLevel? LevelAfterCleanMerge(GitRunner git, Plan plan, MergeOutcome? merge, string target, string tip)
        {
            if (merge == null || !merge.Clean || merge.Tree == null || !string.Equals(merge.Tree, plan.TargetTree, StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            var added = git.Run(plan.RunDirectory, GitAccess.ReadOnly, new[] { "diff-tree", "-r", "--name-only", "--no-commit-id", "--merge-base", "--end-of-options", target, tip });
            if (!added.Succeeded)
            {
                return null;
            }

            if (added.Stdout.Trim().Length == 0)
            {
                return WtIntegrationLevel.NoAddedChanges;
            }

            if (plan.BranchTrees.TryGetValue(tip, out var tree) && string.Equals(tree, plan.TargetTree, StringComparison.OrdinalIgnoreCase))
            {
                return WtIntegrationLevel.TreesMatch;
            }

            return plan.BranchTrees.ContainsKey(tip) ? WtIntegrationLevel.MergeAddsNothing : (WtIntegrationLevel?)null;
        }

        /// <summary>One `git merge-tree --write-tree` of <paramref name="tip"/> into <paramref name="target"/>: clean (exit 0) with its tree, else not clean.</summary>
        private static MergeOutcome MergeOne(GitRunner git, string dir, string target, string tip)
        {
            var r = git.Run(dir, GitAccess.ReadOnly, new[] { "merge-tree", "--write-tree", "--end-of-options", target, tip });
            return new MergeOutcome(r.ExitCode == 0, r.ExitCode == 0 ? r.Stdout.Split('\n')[0].Trim() : null);
        }

        private static void Set(WorktreeStatus status, WtIntegrationLevel level)
        {
            status.IsIntegrated = true;
            status.IntegrationReason = level;
        }

        /// <summary>
        /// True when a merge of the branch into the target is clean and its tree differs from the
        /// target's: then no level holds. Same commit and ancestor are ruled out before (the branch
        /// has commits the target lacks); no added changes (the branch's tree equals its merge
        /// base's) and tree matches would both make the clean merge's tree the target's own;
        /// merging adds nothing is this very test; the patch-id level runs only after a conflict.
        /// (With several merge bases, git merge-tree merges them first while the checker's
        /// no-added-changes level compares against one of them; the two could disagree, and then
        /// this says "not integrated": the branch is kept, the safe side.)
        /// </summary>
        internal static bool PrefilterProvesNotIntegrated(MergeOutcome? merge, string targetTree) =>
            merge != null && merge.Clean && merge.Tree != null && !string.Equals(merge.Tree, targetTree, StringComparison.OrdinalIgnoreCase);

        private static bool IsUnborn(string sha) => sha.Trim('0').Length == 0;

        /// <summary>
        /// One `git merge-tree --write-tree --stdin --name-only --no-messages` for every branch tip
        /// in <paramref name="tips"/> against <paramref name="target"/>; null when git cannot do it
        /// (older than 2.40, or one merge failed, e.g. unrelated histories, which ends the batch).
        /// </summary>
        private static Dictionary<string, MergeOutcome>? BatchMerge(GitRunner git, string dir, string target, List<string> tips)
        {
            var input = new StringBuilder();
            foreach (var tip in tips)
            {
                input.Append(target).Append(' ').Append(tip).Append('\n');
            }

            var r = git.Run(dir, GitAccess.ReadOnly, new[] { "merge-tree", "--write-tree", "--stdin", "--name-only", "--no-messages" }, stdin: Encoding.UTF8.GetBytes(input.ToString()), stdinDisplay: tips.Count.ToString(CultureInfo.InvariantCulture) + " merges");
            if (!r.Succeeded)
            {
                return null;
            }

            var outcomes = MergeTreeStdinParser.Parse(r.Stdout);
            if (outcomes == null || outcomes.Count != tips.Count)
            {
                return null;
            }

            var map = new Dictionary<string, MergeOutcome>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < tips.Count; i++)
            {
                map[tips[i]] = outcomes[i];
            }

            return map;
        }

        /// <summary>What the whole listing shares: the default branch, the integration targets, ahead/behind of every branch.</summary>
        private sealed class Plan
        {
            private Plan(string runDirectory)
            {
                RunDirectory = runDirectory;
            }

            internal string RunDirectory { get; }

            internal string? DefaultBranch { get; private set; }

            /// <summary>The commit ahead/behind count against: the local default branch, else origin's.</summary>
            internal string? BaseSha { get; private set; }

            internal List<(string Name, string Sha)> Targets { get; private set; } = new List<(string, string)>();

            /// <summary>The one target when it is <see cref="BaseSha"/> (then ahead 0 means ancestor); null otherwise.</summary>
            internal (string Name, string Sha)? FastTarget { get; private set; }

            internal string? TargetTree { get; private set; }

            /// <summary>True when ahead/behind of every branch came from one for-each-ref (git 2.41+).</summary>
            internal bool Batched { get; private set; }

            internal Dictionary<string, (int Ahead, int Behind)> AheadBehind { get; } = new Dictionary<string, (int, int)>(StringComparer.Ordinal);

            /// <summary>Ahead/behind by commit for the tips for-each-ref did not count (detached heads; every tip on a git before 2.41); null when not counted in a batch.</summary>
            internal Dictionary<string, (int Ahead, int Behind)>? AheadBehindByTip { get; private set; }

            /// <summary>Each walked tip's one merge base with <see cref="BaseSha"/> (tips with several are absent); null when not walked.</summary>
            internal Dictionary<string, string>? MergeBases { get; private set; }

            /// <summary>The tree of each branch tip read (by tip).</summary>
            internal Dictionary<string, string> BranchTrees { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

            /// <summary>Branch tips as read for this listing, by short name.</summary>
            internal Dictionary<string, string> Tips { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

            /// <summary>True when the refs are plain files (CHERRY_PICK_HEAD and REVERT_HEAD can be read as files).</summary>
            internal bool FilesBackend { get; private set; }

            internal string? BranchTip(WtWorktree w) =>
                w.Branch != null && !w.IsDetached && Tips.TryGetValue(w.Branch, out var sha) ? sha : (w.IsDetached || w.Branch == null ? null : w.Head);

            /// <summary>No default branch, no refs: counts and operations only.</summary>
            internal static Plan Empty(RepositoryLocation repository) => new Plan(repository.RunDirectory) { FilesBackend = IsPlainFilesBackend(repository.CommonDir) };

            internal static Plan Load(RepositoryLocation repository, IReadOnlyList<WtWorktree> worktrees, GitRunner git, string? currentLocation)
            {
                var context = RemovalContext.Load(repository, git, currentLocation);
                var plan = new Plan(context.RunDirectory)
                {
                    DefaultBranch = context.DefaultBranch,
                    FilesBackend = IsPlainFilesBackend(repository.CommonDir),
                };

                var refs = context.Refs;
                if (plan.DefaultBranch == null || refs == null)
                {
                    return plan;
                }

                var local = refs.Branch(plan.DefaultBranch);
                string? baseRef;
                if (local != null)
                {
                    baseRef = local.Name;
                    plan.BaseSha = local.Sha;
                }
                else
                {
                    baseRef = "refs/remotes/origin/" + plan.DefaultBranch;
                    plan.BaseSha = IntegrationChecker.RevParse(git, plan.RunDirectory, baseRef);
                }

                if (plan.BaseSha == null)
                {
                    return plan;
                }

                plan.Targets = IntegrationChecker.Targets(git, plan.RunDirectory, plan.DefaultBranch, refs, out _);
                if (plan.Targets.Count == 1 && string.Equals(plan.Targets[0].Sha, plan.BaseSha, StringComparison.OrdinalIgnoreCase))
                {
                    plan.FastTarget = plan.Targets[0];
                }

                var patterns = new List<string>();
                foreach (var w in worktrees)
                {
                    if (w.Branch != null && !w.IsDetached && !w.IsBare)
                    {
                        patterns.Add("refs/heads/" + w.Branch);
                    }
                }

                patterns.Add(baseRef);
                plan.ReadRefs(git, baseRef, patterns);

                // The tips left (detached heads; every branch on a git without %(ahead-behind)): one walk for all.
                var rest = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                foreach (var w in worktrees)
                {
                    var tip = w.IsBare ? null : plan.BranchTip(w) ?? w.Head;
                    if (tip != null && tip.Trim('0').Length > 0 && !(w.Branch != null && !w.IsDetached && plan.AheadBehind.ContainsKey(w.Branch)))
                    {
                        rest.Add(tip);
                    }
                }

                if (rest.Count > 1)
                {
                    plan.AheadBehindByTip = AheadBehindBatch.Count(git, plan.RunDirectory, plan.BaseSha, rest, out var mergeBases);
                    plan.MergeBases = mergeBases;
                }

                return plan;
            }

            /// <summary>
            /// Branch tips, the base's tree, and (git 2.41+) ahead/behind of each against the base,
            /// from one for-each-ref; a git without %(ahead-behind) is asked again without it.
            /// </summary>
            private void ReadRefs(GitRunner git, string baseRef, List<string> patterns)
            {
                var args = new List<string> { "for-each-ref", "--format=%(refname)%00%(objectname)%00%(tree)%00%(ahead-behind:" + BaseSha + ")", "--end-of-options" };
                args.AddRange(patterns);
                var r = git.Run(RunDirectory, GitAccess.ReadOnly, args);
                Batched = r.Succeeded;
                if (!r.Succeeded)
                {
                    git.Sink.Debug("this git has no %(ahead-behind) (git 2.41+): ahead/behind is counted per worktree");
                    args[1] = "--format=%(refname)%00%(objectname)%00%(tree)%00";
                    r = git.Run(RunDirectory, GitAccess.ReadOnly, args);
                    if (!r.Succeeded)
                    {
                        throw GitRunner.Failure(r, RunDirectory);
                    }
                }

                foreach (var line in r.Stdout.Split('\n'))
                {
                    var f = line.Split('\0');
                    if (f.Length < 4)
                    {
                        continue;
                    }

                    if (f[0] == baseRef)
                    {
                        TargetTree = f[2];
                    }

                    const string Heads = "refs/heads/";
                    if (!f[0].StartsWith(Heads, StringComparison.Ordinal))
                    {
                        continue;
                    }

                    var name = f[0].Substring(Heads.Length);
                    Tips[name] = f[1];
                    BranchTrees[f[1]] = f[2];
                    var counts = f[3].Split(' ');
                    if (Batched && counts.Length == 2 && int.TryParse(counts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ahead) && int.TryParse(counts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var behind))
                    {
                        AheadBehind[name] = (ahead, behind);
                    }
                }
            }

            /// <summary>The files ref backend by the repository's own markers (no reftable directory, no refStorage extension).</summary>
            private static bool IsPlainFilesBackend(string commonDir)
            {
                if (Directory.Exists(Path.Combine(commonDir, "reftable")))
                {
                    return false;
                }

                var config = ConfigLookup.ReadRepositoryConfig(commonDir);
                if (config == null)
                {
                    return false;
                }

                foreach (var e in config)
                {
                    if (e.Section == "extensions" && e.Subsection == null && e.Key == "refstorage")
                    {
                        return false;
                    }
                }

                return true;
            }
        }
    }

    /// <summary>One merge of `git merge-tree --write-tree`: clean or not, and the result tree.</summary>
    internal sealed class MergeOutcome
    {
        internal MergeOutcome(bool clean, string? tree)
        {
            Clean = clean;
            Tree = tree;
        }

        internal bool Clean { get; }

        internal string? Tree { get; }
    }

    /// <summary>
    /// Parses `git merge-tree --write-tree --stdin --name-only --no-messages` (-z implied): per
    /// merge, `&lt;status&gt; NUL &lt;tree&gt; NUL`, then the conflicted file names each NUL-terminated,
    /// then an empty field (NUL). Status 1 is clean, 0 conflicted. Pure.
    /// </summary>
    internal static class MergeTreeStdinParser
    {
        /// <summary>The outcomes in input order, or null when the text is not of that shape.</summary>
        internal static List<MergeOutcome>? Parse(string output)
        {
            var list = new List<MergeOutcome>();
            if (output.Length > 0 && output[output.Length - 1] != '\0')
            {
                return null;
            }

            // The piece after the final NUL is empty and no field: n fields.
            var f = output.Split('\0');
            var n = f.Length - 1;
            var i = 0;
            while (i < n)
            {
                if (i + 1 >= n || (f[i] != "0" && f[i] != "1") || !RefFiles.IsObjectId(f[i + 1]))
                {
                    return null;
                }

                var clean = f[i] == "1";
                var tree = f[i + 1];
                i += 2;
                while (i < n && f[i].Length > 0)
                {
                    i++;
                }

                if (i >= n)
                {
                    return null;
                }

                i++;
                list.Add(new MergeOutcome(clean, tree));
            }

            return list;
        }
    }

    /// <summary>Runs work items on at most a given number of dedicated threads (blocking waits on child processes do not starve the thread pool).</summary>
    internal static class Bounded
    {
        /// <summary>Runs <paramref name="body"/> for 0..count-1; the first exception is rethrown after every thread ended; cancellation stops taking new items.</summary>
        internal static void Run(int count, int max, CancellationToken cancellation, Action<int> body)
        {
            if (count == 0)
            {
                return;
            }

            var next = -1;
            Exception? failure = null;
            void Work()
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < count)
                {
                    if (cancellation.IsCancellationRequested || Volatile.Read(ref failure) != null)
                    {
                        return;
                    }

                    try
                    {
                        body(i);
                    }
                    catch (Exception e)
                    {
                        Interlocked.CompareExchange(ref failure, e, null);
                        return;
                    }
                }
            }

            var threads = new List<Thread>();
            for (var t = 1; t < Math.Min(max, count); t++)
            {
                var thread = new Thread(Work) { IsBackground = true, Name = "Worktrunk status" };
                thread.Start();
                threads.Add(thread);
            }

            Work();
            foreach (var thread in threads)
            {
                thread.Join();
            }

            if (failure != null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
            }

            if (cancellation.IsCancellationRequested)
            {
                throw new WorktrunkException(ErrorIds.CommandStopped, ErrorKind.OperationStopped, "Stopped reading the worktrees' status.");
            }
        }
    }
}

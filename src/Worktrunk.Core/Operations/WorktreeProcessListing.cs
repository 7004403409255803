using System;
using System.Collections.Generic;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.IO;
using Worktrunk.Processes;

namespace Worktrunk.Operations
{
    /// <summary>What Get-WtWorktreeProcess was asked about (one parameter set).</summary>
    internal sealed class WorktreeProcessQuery
    {
        /// <summary>Gets or sets branch names (exact); with no paths and no worktrees, null means every worktree of the repository.</summary>
        internal IReadOnlyList<string>? Branches { get; set; }

        /// <summary>Gets or sets resolved directories; each names the worktree holding it.</summary>
        internal IReadOnlyList<string>? Paths { get; set; }

        /// <summary>Gets or sets worktrees from Get-WtWorktree.</summary>
        internal IReadOnlyList<WtWorktree>? Worktrees { get; set; }

        /// <summary>Gets or sets a resolved directory inside the repository (-Repository); null: the session's location (branches), each path's own repository (paths).</summary>
        internal string? Repository { get; set; }
    }

    /// <summary>
    /// Get-WtWorktreeProcess: resolves the worktrees asked for, then lists the processes working
    /// inside them (Processes/WorktreeProcesses: /proc on Linux, bounded lsof on macOS). Read-only:
    /// nothing is signalled. A branch or path naming no worktree is a non-terminating
    /// WorktreeNotFound; an unsupported platform throws WorktreeProcessesNotSupported.
    /// </summary>
    internal static class WorktreeProcessListing
    {
        internal static void Run(WorktreeProcessQuery query, IOperationHost host)
        {
            if (Unsupported() is WorktrunkException unsupported)
            {
                throw unsupported;
            }

            var git = new GitRunner(host.Sink, host.Cancellation);
            var roots = new List<string>();
            if (query.Worktrees != null)
            {
                foreach (var w in query.Worktrees)
                {
                    roots.Add(w.Path);
                }
            }
            else if (query.Paths != null)
            {
                var listings = new Dictionary<string, List<WtWorktree>>(StringComparer.Ordinal);
                foreach (var p in query.Paths)
                {
                    try
                    {
                        var repo = RepositoryLocator.Locate(query.Repository ?? p, git);
                        if (!listings.TryGetValue(repo.CommonDir, out var worktrees))
                        {
                            worktrees = WorktreeLister.List(repo, git, host.CurrentLocation);
                            listings[repo.CommonDir] = worktrees;
                        }

                        roots.Add(Holding(worktrees, p)?.Path ?? throw NotFound($"{Printable.Quote(p)} is not inside any worktree of the repository at {Printable.Quote(repo.CommonDir)}.", p));
                    }
                    catch (WorktrunkException e) when (e.ErrorId != ErrorIds.CommandStopped)
                    {
                        host.Error(e, p);
                    }
                }
            }
            else
            {
                var start = query.Repository ?? host.CurrentLocation ?? throw new WorktrunkException(ErrorIds.NotAFileSystemPath, ErrorKind.InvalidArgument, "The session's location is not a filesystem path.", null, "Pass -Repository.");
                var worktrees = WorktreeLister.List(RepositoryLocator.Locate(start, git), git, host.CurrentLocation);
                if (query.Branches == null)
                {
                    foreach (var w in worktrees)
                    {
                        if (w.Exists && !w.IsBare)
                        {
                            roots.Add(w.Path);
                        }
                    }
                }
                else
                {
                    foreach (var b in query.Branches)
                    {
                        var hit = worktrees.Find(w => w.Branch != null && string.Equals(w.Branch, b, StringComparison.Ordinal));
                        if (hit == null)
                        {
                            host.Error(NotFound($"No worktree has branch {Printable.Quote(b)} checked out.", b), b);
                        }
                        else
                        {
                            roots.Add(hit.Path);
                        }
                    }
                }
            }

            if (roots.Count == 0)
            {
                return;
            }

            foreach (var p in WorktreeProcesses.Find(roots, host.Sink, host.Cancellation))
            {
                host.Output(p);
            }
        }

        private static WorktrunkException? Unsupported() =>
            Interop.Platform.IsWindows || (Interop.Platform.IsLinux && !ProcFs.Available) ? WorktreeProcesses.NotSupported() : null;

        /// <summary>The deepest worktree whose root holds <paramref name="path"/> (both canonical), or null.</summary>
        private static WtWorktree? Holding(List<WtWorktree> worktrees, string path)
        {
            var target = PathUtil.Canonicalize(path);
            WtWorktree? best = null;
            var bestLength = -1;
            foreach (var w in worktrees)
            {
                var root = PathUtil.Canonicalize(w.Path);
                if (!w.IsBare && PathUtil.IsAtOrUnder(target, root) && root.Length > bestLength)
                {
                    best = w;
                    bestLength = root.Length;
                }
            }

            return best;
        }

        private static WorktrunkException NotFound(string message, string target) =>
            new WorktrunkException(ErrorIds.WorktreeNotFound, ErrorKind.ObjectNotFound, message, target, "Run Get-WtWorktree to list the worktrees.");
    }
}

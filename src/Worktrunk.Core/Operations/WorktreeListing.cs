using System;
using System.Collections.Generic;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.IO;
using Worktrunk.Status;

namespace Worktrunk.Operations
{
    /// <summary>A branch name to select (Get-WtWorktree -Branch): literal, or a wildcard the caller matches.</summary>
    internal sealed class BranchPattern
    {
        internal BranchPattern(string text, bool isWildcard, Func<string, bool> matches)
        {
            Text = text;
            IsWildcard = isWildcard;
            Matches = matches;
        }

        /// <summary>Gets the pattern as given (the target of its WorktreeNotFound error).</summary>
        internal string Text { get; }

        /// <summary>Gets a value indicating whether <see cref="Text"/> holds wildcard characters (then matching nothing is no error).</summary>
        internal bool IsWildcard { get; }

        /// <summary>Gets whether a branch name matches (case-sensitive, as git compares ref names).</summary>
        internal Func<string, bool> Matches { get; }

        /// <summary>A literal pattern: equal names only.</summary>
        internal static BranchPattern Literal(string name) => new BranchPattern(name, false, b => string.Equals(b, name, StringComparison.Ordinal));
    }

    /// <summary>What Get-WtWorktree was asked for.</summary>
    internal sealed class WorktreeListingRequest
    {
        internal WorktreeListingRequest(string start)
        {
            Start = start;
        }

        /// <summary>Gets a directory inside the repository (resolved against the session by the caller).</summary>
        internal string Start { get; }

        /// <summary>Gets or sets the branches to keep; null keeps every worktree (unless <see cref="Paths"/> is set).</summary>
        internal IReadOnlyList<BranchPattern>? Branches { get; set; }

        /// <summary>
        /// Gets or sets the paths whose worktrees to return, each as given (resolved) and the
        /// directory it names (a file's parent); null when selecting by branch.
        /// </summary>
        internal IReadOnlyList<(string Given, string Directory)>? Paths { get; set; }

        /// <summary>Gets or sets a value indicating whether to read each selected worktree's status (-Status).</summary>
        internal bool Status { get; set; }
    }

    /// <summary>
    /// Get-WtWorktree: lists a repository's worktrees (one `git worktree list --porcelain -z`),
    /// keeps those selected by branch (wildcards; a literal name no worktree has is a
    /// WorktreeNotFound error after the matches) or by path (the deepest worktree holding each,
    /// once; a path in none is a WorktreeNotFound error in its place), and with Status reads the
    /// status of the selected worktrees only (<see cref="WorktreeStatusReader"/>; nothing more
    /// runs without it). Read-only. A repository that cannot be found throws.
    /// </summary>
    internal static class WorktreeListing
    {
        internal static void Run(WorktreeListingRequest request, GitRunner git, IOperationHost host)
        {
            var repo = RepositoryLocator.Locate(request.Start, git);
            var worktrees = WorktreeLister.List(repo, git, host.CurrentLocation);

            // What to write, in order: a worktree, or an error with its target.
            var items = request.Paths != null ? SelectByPath(worktrees, request.Paths) : SelectByBranch(worktrees, request.Branches);
            if (request.Status)
            {
                var selected = new List<WtWorktree>();
                foreach (var item in items)
                {
                    if (item.Worktree != null)
                    {
                        selected.Add(item.Worktree);
                    }
                }

                var read = WorktreeStatusReader.Read(repo, selected, git, host.CurrentLocation);
                var k = 0;
                for (var i = 0; i < items.Count; i++)
                {
                    if (items[i].Worktree != null)
                    {
                        items[i] = (read[k++], null);
                    }
                }
            }

            foreach (var (worktree, error) in items)
            {
                if (worktree != null)
                {
                    host.Output(worktree);
                }
                else
                {
                    host.Error(error!, error!.Target);
                }
            }
        }

        private static List<(WtWorktree? Worktree, WorktrunkException? Error)> SelectByBranch(List<WtWorktree> worktrees, IReadOnlyList<BranchPattern>? patterns)
        {
            var items = new List<(WtWorktree?, WorktrunkException?)>();
            if (patterns == null)
            {
                foreach (var w in worktrees)
                {
                    items.Add((w, null));
                }

                return items;
            }

            var matched = new bool[patterns.Count];
            foreach (var w in worktrees)
            {
                var hit = false;
                for (var i = 0; i < patterns.Count; i++)
                {
                    if (w.Branch != null && patterns[i].Matches(w.Branch))
                    {
                        matched[i] = true;
                        hit = true;
                    }
                }

                if (hit)
                {
                    items.Add((w, null));
                }
            }

            for (var i = 0; i < patterns.Count; i++)
            {
                if (!matched[i] && !patterns[i].IsWildcard)
                {
                    items.Add((null, NotFound($"No worktree has branch {Printable.Quote(patterns[i].Text)} checked out.", patterns[i].Text)));
                }
            }

            return items;
        }

        private static List<(WtWorktree? Worktree, WorktrunkException? Error)> SelectByPath(List<WtWorktree> worktrees, IReadOnlyList<(string Given, string Directory)> paths)
        {
            var items = new List<(WtWorktree?, WorktrunkException?)>();
            var written = new HashSet<WtWorktree>();
            foreach (var (given, directory) in paths)
            {
                var target = PathUtil.Canonicalize(directory);
                WtWorktree? best = null;
                var bestLength = -1;
                foreach (var w in worktrees)
                {
                    var root = PathUtil.Canonicalize(w.Path);
                    if (PathUtil.IsAtOrUnder(target, root) && root.Length > bestLength)
                    {
                        best = w;
                        bestLength = root.Length;
                    }
                }

                if (best == null)
                {
                    items.Add((null, NotFound($"{Printable.Quote(given)} is not inside any worktree of this repository.", given)));
                }
                else if (written.Add(best))
                {
                    items.Add((best, null));
                }
            }

            return items;
        }

        private static WorktrunkException NotFound(string message, string target) =>
            new WorktrunkException(ErrorIds.WorktreeNotFound, ErrorKind.ObjectNotFound, message, target, "Run Get-WtWorktree to list the worktrees.");
    }
}

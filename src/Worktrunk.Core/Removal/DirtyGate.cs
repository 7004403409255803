using System;
using System.Collections.Generic;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.Processes;

namespace Worktrunk.Removal
{
    /// <summary>
    /// The dirty gate: `git status --porcelain -z --untracked-files=normal --ignore-submodules=none`
    /// run in the worktree. Any entry (staged, modified, deleted, untracked, a changed submodule)
    /// makes the worktree dirty. Untracked files are always listed, whatever the user's
    /// status.showUntrackedFiles says. Ignored files and files hidden by assume-unchanged or
    /// skip-worktree do not count (like `git worktree remove`). Read-only: --no-optional-locks,
    /// so the index is never rewritten (a -WhatIf run changes nothing).
    /// </summary>
    internal static class DirtyGate
    {
        /// <summary>At most this many entries are quoted in an error message.</summary>
        internal const int MessageLimit = 20;

        /// <summary>The porcelain entries of the worktree, one "XY path" per change; empty when clean.</summary>
        internal static List<string> Entries(GitRunner git, string worktree)
        {
            CommandResult result;
            try
            {
                result = git.Run(worktree, GitAccess.ReadOnly, new[] { "status", "--porcelain", "-z", "--untracked-files=normal", "--ignore-submodules=none" });
            }
            catch (WorktrunkException e) when (e.ErrorId == ErrorIds.PathNotFound && !System.IO.Directory.Exists(worktree))
            {
                throw Vanished(worktree, e);
            }

            if (!result.Succeeded)
            {
                if (!System.IO.Directory.Exists(worktree))
                {
                    // git failed because the directory went away under it: a race, not a dirty worktree.
                    throw Vanished(worktree, null);
                }

                // A status that fails cannot prove the worktree clean: refuse (fail closed).
                throw new WorktrunkException(
                    ErrorIds.WorktreeDirty,
                    ErrorKind.InvalidOperation,
                    $"Cannot tell whether the worktree at '{worktree}' has uncommitted changes: {result.CommandLine} failed: {result.Stderr.Trim()}",
                    worktree,
                    "Fix the worktree so `git status` works, or pass -Force to remove it anyway.");
            }

            return Parse(result.Stdout);
        }

        /// <summary>The refusal for a worktree moved or deleted while it was being checked (another removal got there first).</summary>
        private static WorktrunkException Vanished(string worktree, Exception? inner) => new WorktrunkException(
            ErrorIds.RemovalRaced,
            ErrorKind.ResourceBusy,
            $"The directory '{worktree}' disappeared while it was being checked (another removal, or another process). Nothing was changed.",
            worktree,
            "Run Get-WtWorktree to see the worktrees as they are now.",
            inner);

        /// <summary>Parses `git status --porcelain -z`: "XY path\0", with a rename's or copy's source as an extra field.</summary>
        internal static List<string> Parse(string output)
        {
            var entries = new List<string>();
            var fields = output.Split('\0');
            for (var i = 0; i < fields.Length; i++)
            {
                var f = fields[i];
                if (f.Length < 4)
                {
                    continue;
                }

                var x = f[0];
                if ((x == 'R' || x == 'C') && i + 1 < fields.Length)
                {
                    entries.Add(f + " (from " + fields[i + 1] + ")");
                    i++;
                }
                else
                {
                    entries.Add(f);
                }
            }

            return entries;
        }

        /// <summary>The refusal for a dirty worktree; the message lists the entries.</summary>
        internal static WorktrunkException Refusal(string worktree, string? branch, IReadOnlyList<string> entries, object target)
        {
            var lines = new List<string>();
            for (var i = 0; i < entries.Count && i < MessageLimit; i++)
            {
                lines.Add("  " + entries[i]);
            }

            if (entries.Count > MessageLimit)
            {
                lines.Add("  ... and " + (entries.Count - MessageLimit).ToString(System.Globalization.CultureInfo.InvariantCulture) + " more");
            }

            var who = branch != null ? $"worktree '{worktree}' (branch {branch})" : $"worktree '{worktree}'";
            return new WorktrunkException(
                ErrorIds.WorktreeDirty,
                ErrorKind.InvalidOperation,
                $"Cannot remove {who}: it has uncommitted changes:{Environment.NewLine}{string.Join(Environment.NewLine, lines)}",
                target,
                "Commit or stash the changes first, or pass -Force to remove the worktree and lose them.");
        }
    }
}

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
    /// Fails closed: a status that fails, or that succeeds while warning that it could not read
    /// part of the worktree (`warning: could not open directory 'x/': Permission denied`, exit 0:
    /// the files in there were never looked at), refuses with WorktreeDirty (-Force lifts it, as it
    /// lifts the gate itself).
    /// </summary>
    internal static class DirtyGate
    {
        /// <summary>What git prints on stderr, exit code 0, when part of the worktree could not be read.</summary>
        private static readonly string[] UnreadableMarkers = { "could not open directory", "Permission denied", "unable to access", "cannot open" };

        /// <summary>The porcelain entries of the worktree, one "XY path" per change (names escaped for display); empty when clean.</summary>
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
                throw CannotTell(worktree, $"{result.CommandLine} failed: {result.Stderr.Trim()}");
            }

            var unreadable = Unreadable(result.Stderr);
            if (unreadable.Count > 0)
            {
                throw CannotTell(worktree, $"git could not read part of it, so files in there were never checked:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", unreadable)}");
            }

            if (result.Stderr.Trim().Length > 0)
            {
                git.Sink.Verbose("git status warned: " + RemovalGuards.Display(result.Stderr.Trim()));
            }

            return Parse(result.Stdout);
        }

        /// <summary>The lines of a status's stderr that say part of the worktree could not be read (escaped); empty when none.</summary>
        internal static List<string> Unreadable(string stderr)
        {
            var lines = new List<string>();
            foreach (var line in stderr.Split('\n'))
            {
                foreach (var marker in UnreadableMarkers)
                {
                    if (line.IndexOf(marker, StringComparison.Ordinal) >= 0)
                    {
                        lines.Add(RemovalGuards.Display(line.TrimEnd('\r')));
                        break;
                    }
                }
            }

            return lines;
        }

        /// <summary>The refusal for a worktree moved or deleted while it was being checked (another removal got there first).</summary>
        internal static WorktrunkException Vanished(string worktree, Exception? inner) => RemovalGuards.Raced(
            $"The directory '{worktree}' disappeared while it was being checked (another removal, or another process). Nothing was changed.",
            worktree,
            inner);

        private static WorktrunkException CannotTell(string worktree, string why) => new WorktrunkException(
            ErrorIds.WorktreeDirty,
            ErrorKind.InvalidOperation,
            $"Cannot tell whether the worktree at '{worktree}' has uncommitted changes: {why}",
            worktree,
            "Fix the worktree so `git status` can read all of it, or pass -Force to remove it anyway.");

        /// <summary>
        /// Parses `git status --porcelain -z`: "XY path\0", with a rename's or copy's source as an
        /// extra field. Names are escaped for display (RemovalGuards.Display): a newline in a file
        /// name shows as \n.
        /// </summary>
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
                var entry = f.Substring(0, 3) + RemovalGuards.Display(f.Substring(3));
                if ((x == 'R' || x == 'C') && i + 1 < fields.Length)
                {
                    entries.Add(entry + " (from " + RemovalGuards.Display(fields[i + 1]) + ")");
                    i++;
                }
                else
                {
                    entries.Add(entry);
                }
            }

            return entries;
        }
    }
}

using System;
using System.Collections.Generic;
using Worktrunk.Diagnostics;

namespace Worktrunk.Git
{
    /// <summary>
    /// Parses `git worktree list --porcelain -z`: attribute lines end in NUL, and an empty line
    /// (a second NUL) ends a record. Keys: worktree, HEAD, branch, bare, detached, locked [reason],
    /// prunable [reason]; unknown keys are ignored so newer git versions still parse. With -z,
    /// paths and reasons are byte-exact (spaces, newlines and non-ASCII need no unquoting).
    /// </summary>
    internal static class WorktreeListParser
    {
        internal static List<WorktreeRecord> Parse(string output)
        {
            var records = new List<WorktreeRecord>();
            WorktreeRecord? current = null;
            foreach (var line in output.Split('\0'))
            {
                if (line.Length == 0)
                {
                    current = null;
                    continue;
                }

                var space = line.IndexOf(' ');
                var key = space < 0 ? line : line.Substring(0, space);
                var value = space < 0 ? null : line.Substring(space + 1);

                if (key == "worktree")
                {
                    if (string.IsNullOrEmpty(value))
                    {
                        throw new WorktrunkException(ErrorIds.GitOutputUnreadable, ErrorKind.ReadError, "git worktree list printed a record without a path.");
                    }

                    current = new WorktreeRecord(value!);
                    records.Add(current);
                    continue;
                }

                if (current == null)
                {
                    // An attribute outside any record: ignore rather than attach it to the wrong worktree.
                    continue;
                }

                switch (key)
                {
                    case "HEAD":
                        current.Head = value;
                        break;
                    case "branch":
                        current.BranchRef = value;
                        break;
                    case "bare":
                        current.IsBare = true;
                        break;
                    case "detached":
                        current.IsDetached = true;
                        break;
                    case "locked":
                        current.IsLocked = true;
                        current.LockReason = value ?? string.Empty;
                        break;
                    case "prunable":
                        current.IsPrunable = true;
                        current.PrunableReason = value ?? string.Empty;
                        break;
                }
            }

            return records;
        }

        /// <summary>refs/heads/feature/x → feature/x; other refs are returned whole.</summary>
        internal static string ShortBranchName(string branchRef)
        {
            const string Heads = "refs/heads/";
            return branchRef.StartsWith(Heads, StringComparison.Ordinal) ? branchRef.Substring(Heads.Length) : branchRef;
        }
    }
}

using System;
using System.IO;
using Worktrunk.Git;

namespace Worktrunk.Status
{
    /// <summary>
    /// The operation in progress in a worktree, read from its own git directory as git's
    /// wt-status.c (wt_status_get_state, git 2.39–2.55) decides it: `MERGE_HEAD` (a merge);
    /// `rebase-apply/` (with `applying`: git am, else a rebase) or `rebase-merge/` (a rebase);
    /// `CHERRY_PICK_HEAD` or `REVERT_HEAD` holding an object id; `sequencer/todo` whose first
    /// command is pick or revert (a multi-commit cherry-pick or revert between steps);
    /// `BISECT_LOG`. When several hold, one is reported, the one the user must finish first:
    /// rebase, am, merge, cherry-pick, revert, bisect.
    /// CHERRY_PICK_HEAD and REVERT_HEAD are refs: read as files only on the files ref backend;
    /// elsewhere (reftable) the caller's askGit says whether each exists.
    /// </summary>
    internal static class OperationReader
    {
        internal static WtWorktreeOperation Read(string gitDir, bool filesBackend, Func<string, bool> askGit)
        {
            var rebaseApply = Path.Combine(gitDir, "rebase-apply");
            if (Directory.Exists(rebaseApply))
            {
                return File.Exists(Path.Combine(rebaseApply, "applying")) ? WtWorktreeOperation.Am : WtWorktreeOperation.Rebase;
            }

            if (Directory.Exists(Path.Combine(gitDir, "rebase-merge")))
            {
                return WtWorktreeOperation.Rebase;
            }

            if (File.Exists(Path.Combine(gitDir, "MERGE_HEAD")))
            {
                return WtWorktreeOperation.Merge;
            }

            bool HasRef(string name) => filesBackend ? HoldsObjectId(Path.Combine(gitDir, name)) : askGit(name);

            if (HasRef("CHERRY_PICK_HEAD"))
            {
                return WtWorktreeOperation.CherryPick;
            }

            if (HasRef("REVERT_HEAD"))
            {
                return WtWorktreeOperation.Revert;
            }

            var sequencer = SequencerCommand(Path.Combine(gitDir, "sequencer", "todo"));
            if (sequencer != null)
            {
                return sequencer.Value;
            }

            return File.Exists(Path.Combine(gitDir, "BISECT_LOG")) ? WtWorktreeOperation.Bisect : WtWorktreeOperation.None;
        }

        /// <summary>True when <paramref name="file"/> holds an object id (what `repo_get_oid` accepts of a pseudo-ref file).</summary>
        private static bool HoldsObjectId(string file)
        {
            try
            {
                if (!File.Exists(file))
                {
                    return false;
                }

                var text = File.ReadAllText(file);
                var line = text.Split('\n')[0].Trim();
                return RefFiles.IsObjectId(line);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return false;
            }
        }

        /// <summary>The first command of the sequencer's todo list, as sequencer_get_last_command reads it (pick/p, revert).</summary>
        internal static WtWorktreeOperation? SequencerCommand(string todoFile)
        {
            string text;
            try
            {
                if (!File.Exists(todoFile))
                {
                    return null;
                }

                text = File.ReadAllText(todoFile);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return null;
            }

            var rest = text.TrimStart(' ', '\t', '\r', '\n');
            foreach (var (word, op) in new[] { ("pick", WtWorktreeOperation.CherryPick), ("p", WtWorktreeOperation.CherryPick), ("revert", WtWorktreeOperation.Revert) })
            {
                if (rest.Length > word.Length && rest.StartsWith(word, StringComparison.Ordinal) && (rest[word.Length] == ' ' || rest[word.Length] == '\t'))
                {
                    return op;
                }
            }

            return null;
        }
    }
}

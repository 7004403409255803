using System;
using System.Collections.Generic;
using System.IO;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.Processes;

namespace Worktrunk.Removal
{
    /// <summary>
    /// The submodule gate: what `git worktree remove` refuses (builtin/worktree.c,
    /// validate_no_submodules), we refuse, and -Force does not lift it. A worktree has initialized
    /// submodules when its registration holds a `modules` directory (where `git submodule
    /// update --init` run in a linked worktree keeps the submodules' repositories, deleted with the
    /// registration), or when a gitlink in its index is populated (`&lt;path&gt;/.git` exists: a
    /// submodule cloned in place, whose repository is inside the directory removal deletes).
    /// The first is one directory check; the second reads the worktree's index file
    /// (IndexGitlinks; `git ls-files --stage` only for an index shape it declines), so a gitlink
    /// added without .gitmodules (`git add` of a nested repository) is found too. No process in
    /// the common case. Read-only; a failure to tell refuses.
    /// </summary>
    internal static class SubmoduleGate
    {
        /// <summary>The initialized submodules of the worktree at <paramref name="worktree"/> (names or paths); empty when none.</summary>
        internal static IReadOnlyList<string> Find(GitRunner git, string worktree, string gitDir)
        {
            var modules = Path.Combine(gitDir, "modules");
            if (Directory.Exists(modules))
            {
                var names = new List<string>();
                ModuleNames(modules, string.Empty, names);
                if (names.Count == 0)
                {
                    // git refuses an empty modules directory too ("probably good enough"): so do we, and say what it is.
                    names.Add("the directory " + modules);
                }

                names.Sort(StringComparer.Ordinal);
                return names;
            }

            // The index's gitlinks, read from the file (IndexGitlinks) or, when only git can say, from `git ls-files --stage`.
            var links = IndexGitlinks.Read(Path.Combine(gitDir, "index")) ?? AskGit(git, worktree);
            var populated = new List<string>();
            foreach (var name in links)
            {
                var dotGit = Path.Combine(worktree, name.Replace('/', Path.DirectorySeparatorChar), ".git");
                if (File.Exists(dotGit) || Directory.Exists(dotGit))
                {
                    populated.Add(name);
                }
            }

            return populated;
        }

        /// <summary>The gitlink paths `git ls-files --stage -z` lists in the worktree.</summary>
        internal static List<string> AskGit(GitRunner git, string worktree)
        {
            CommandResult result;
            try
            {
                result = git.Run(worktree, GitAccess.ReadOnly, new[] { "ls-files", "--stage", "-z" });
            }
            catch (WorktrunkException e) when (e.ErrorId == ErrorIds.PathNotFound && !Directory.Exists(worktree))
            {
                throw DirtyGate.Vanished(worktree, e);
            }

            if (!result.Succeeded)
            {
                throw new WorktrunkException(
                    ErrorIds.WorktreeHasSubmodules,
                    ErrorKind.InvalidOperation,
                    $"Cannot tell whether the worktree at '{worktree}' has initialized submodules: {result.CommandLine} failed: {result.Stderr.Trim()}. Nothing was changed.",
                    worktree,
                    "Fix the worktree so `git ls-files` works, then run Remove-WtWorktree again.");
            }

            var links = new List<string>();
            foreach (var record in result.Stdout.Split('\0'))
            {
                // "<mode> <object> <stage>\t<path>"; a gitlink has mode 160000.
                var tab = record.IndexOf('\t');
                if (tab >= 0 && record.StartsWith("160000 ", StringComparison.Ordinal))
                {
                    links.Add(record.Substring(tab + 1));
                }
            }

            return links;
        }

        /// <summary>Every submodule repository under <paramref name="dir"/> (a directory holding HEAD); names may nest (a/b).</summary>
        private static void ModuleNames(string dir, string prefix, List<string> names)
        {
            try
            {
                foreach (var sub in new DirectoryInfo(dir).EnumerateDirectories())
                {
                    if ((sub.Attributes & FileAttributes.ReparsePoint) != 0)
                    {
                        names.Add(prefix + sub.Name);
                        continue;
                    }

                    if (File.Exists(Path.Combine(sub.FullName, "HEAD")))
                    {
                        names.Add(prefix + sub.Name);
                    }
                    else
                    {
                        ModuleNames(sub.FullName, prefix + sub.Name + "/", names);
                    }
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                names.Add(prefix.Length == 0 ? "the directory " + dir : prefix.TrimEnd('/'));
            }
        }
    }
}

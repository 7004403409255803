using System;
using System.IO;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.IO;

namespace Worktrunk.Removal
{
    /// <summary>
    /// The detached-HEAD gate: a worktree whose HEAD is detached at a commit that no ref and no
    /// other worktree's HEAD reaches holds the only way to that commit (its reflog lives in the
    /// registration, which removal deletes). Costs nothing when HEAD is on a branch (one file
    /// read); when detached, one `git rev-list -n 1 &lt;commit&gt; --not --single-worktree --all
    /// &lt;other worktrees' detached HEADs&gt;` in the repository's run directory (the main
    /// worktree or the common dir, never this worktree: `--all` there would count this very HEAD
    /// and this worktree's own per-worktree refs, which are deleted with it). Empty output: the
    /// commit is reachable. A failure to tell refuses.
    /// </summary>
    internal static class DetachedHeadGate
    {
        /// <summary>The detached HEAD commit of the worktree when nothing else reaches it; null when HEAD is on a branch or the commit is reachable.</summary>
        internal static string? Unreachable(GitRunner git, string worktree, string gitDir, RemovalContext context)
        {
            if (!TryDetachedHead(gitDir, out var sha))
            {
                // Not a plain HEAD file (the reftable backend): ask git what HEAD is.
                sha = AskGit(git, worktree);
            }

            if (sha == null)
            {
                return null;
            }

            var args = new System.Collections.Generic.List<string> { "rev-list", "-n", "1", sha, "--not", "--single-worktree", "--all" };
            var root = Path.Combine(context.CommonDir, "worktrees");
            if (Directory.Exists(root))
            {
                var self = PathUtil.Canonicalize(gitDir);
                var selfName = Path.GetFileName(PathUtil.TrimEnd(gitDir));
                foreach (var other in Directory.GetDirectories(root))
                {
                    // Never this worktree's own HEAD (by name, and by canonical path for a symlinked registration).
                    if (!string.Equals(Path.GetFileName(other), selfName, StringComparison.Ordinal) &&
                        !string.Equals(PathUtil.Canonicalize(other), self, PathUtil.Comparison))
                    {
                        if (!TryDetachedHead(other, out var head))
                        {
                            // Let git resolve it (worktrees/<id>/HEAD); if it cannot, rev-list fails and we refuse.
                            args.Add("worktrees/" + Path.GetFileName(other) + "/HEAD");
                        }
                        else if (head != null)
                        {
                            args.Add(head);
                        }
                    }
                }
            }

            var result = git.Run(context.RunDirectory, GitAccess.ReadOnly, args);
            if (!result.Succeeded)
            {
                throw new WorktrunkException(
                    ErrorIds.DetachedHeadUnreachable,
                    ErrorKind.InvalidOperation,
                    $"Cannot tell whether commit {sha}, the detached HEAD of the worktree at '{worktree}', is reachable from a ref: {result.CommandLine} failed: {result.Stderr.Trim()}. Nothing was changed.",
                    worktree,
                    $"Keep the commit (git branch <name> {sha}), or pass -Force to remove the worktree anyway.");
            }

            return result.Stdout.Trim().Length == 0 ? null : sha;
        }

        /// <summary>
        /// Reads the HEAD file of <paramref name="gitDir"/>: true with the commit when detached, true
        /// with null when on a branch; false when it is not a plain HEAD file (only git can say).
        /// </summary>
        internal static bool TryDetachedHead(string gitDir, out string? sha)
        {
            sha = null;
            try
            {
                var text = File.ReadAllText(Path.Combine(gitDir, "HEAD"));
                if (!RefFiles.TryParse(text, out var id, out var target) || target == "refs/heads/.invalid")
                {
                    return false;
                }

                sha = target == null ? id : null;
                return true;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return false;
            }
        }

        /// <summary>The detached HEAD commit as git sees it in <paramref name="worktree"/>, or null when HEAD is symbolic.</summary>
        private static string? AskGit(GitRunner git, string worktree)
        {
            var symbolic = git.Run(worktree, GitAccess.ReadOnly, new[] { "symbolic-ref", "-q", "HEAD" });
            if (symbolic.ExitCode == 0)
            {
                return null;
            }

            var head = git.Run(worktree, GitAccess.ReadOnly, new[] { "rev-parse", "--verify", "HEAD" });
            if (symbolic.ExitCode != 1 || !head.Succeeded)
            {
                throw new WorktrunkException(
                    ErrorIds.DetachedHeadUnreachable,
                    ErrorKind.InvalidOperation,
                    $"Cannot read the HEAD of the worktree at '{worktree}': {symbolic.Stderr.Trim()} {head.Stderr.Trim()}. Nothing was changed.",
                    worktree,
                    "Pass -Force to remove the worktree anyway.");
            }

            return head.Stdout.Trim();
        }
    }
}

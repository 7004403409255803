// Contract: the ownership gate. Before anything moves or deletes a worktree's directory, the
// directory must provably hold the worktree registered there: its `.git` (read directly, never
// found by walking up; a symlinked `.git` is followed) must name this registration's git dir
// (<common>/worktrees/<id>), and that registration's `gitdir` file must name this directory
// back. Anything else (a `.git` directory, a `.git` file naming a sibling registration or another
// repository, no `.git` at all) is refused: the directory may hold somebody else's work, so it
// is never touched. -Force does not lift this. Pure file reads; nothing is written.
// Platform: the same on every OS (paths compared through PathUtil).

using System;
using System.IO;
using Worktrunk.Git;
using Worktrunk.IO;

namespace Worktrunk.Removal
{
    /// <summary>The verdict of the ownership gate for one directory.</summary>
    internal sealed class OwnershipVerdict
    {
        private OwnershipVerdict(bool owned, string? pointsAt, string? siblingPath)
        {
            Owned = owned;
            PointsAt = pointsAt;
            SiblingPath = siblingPath;
        }

        internal static OwnershipVerdict Accepted { get; } = new OwnershipVerdict(true, null, null);

        internal bool Owned { get; }

        /// <summary>The git dir the directory's `.git` names (canonical), or null when it names none.</summary>
        internal string? PointsAt { get; }

        /// <summary>When the directory holds a sibling worktree of this repository: where that sibling is registered.</summary>
        internal string? SiblingPath { get; }

        internal static OwnershipVerdict Refused(string? pointsAt, string? siblingPath) => new OwnershipVerdict(false, pointsAt, siblingPath);
    }

    /// <summary>Checks that a directory holds the worktree registered at it.</summary>
    internal static class OwnershipGate
    {
        /// <summary>
        /// Checks <paramref name="directory"/> against the registration <paramref name="registeredGitDir"/>
        /// (&lt;common&gt;/worktrees/&lt;id&gt;; null when no registration names the directory back).
        /// </summary>
        internal static OwnershipVerdict Check(string directory, string? registeredGitDir, string commonDir)
        {
            var pointsAt = ReadDotGit(directory);
            if (pointsAt == null)
            {
                return OwnershipVerdict.Refused(null, null);
            }

            var common = PathUtil.Canonicalize(commonDir);
            if (registeredGitDir != null &&
                !string.Equals(PathUtil.Canonicalize(registeredGitDir), common, PathUtil.Comparison) &&
                string.Equals(pointsAt, PathUtil.Canonicalize(registeredGitDir), PathUtil.Comparison) &&
                NamesBack(pointsAt, directory))
            {
                return OwnershipVerdict.Accepted;
            }

            // Refused. Say whose it is when it is a sibling worktree of this repository.
            string? sibling = null;
            var worktreesDir = PathUtil.Canonicalize(Path.Combine(common, "worktrees"));
            if (string.Equals(Path.GetDirectoryName(pointsAt), worktreesDir, PathUtil.Comparison))
            {
                sibling = RegisteredWorktreePath(pointsAt);
            }
            else if (string.Equals(pointsAt, common, PathUtil.Comparison))
            {
                sibling = Path.GetDirectoryName(common);
            }

            return OwnershipVerdict.Refused(pointsAt, sibling);
        }

        /// <summary>The canonical git dir that `&lt;directory&gt;/.git` names, or null when there is none.</summary>
        internal static string? ReadDotGit(string directory)
        {
            var dotGit = Path.Combine(directory, ".git");
            try
            {
                if (Directory.Exists(dotGit))
                {
                    return PathUtil.Canonicalize(dotGit);
                }

                if (File.Exists(dotGit))
                {
                    var target = RepositoryLocator.ReadGitFile(dotGit, directory);
                    return target == null ? null : PathUtil.Canonicalize(target);
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
            }

            return null;
        }

        /// <summary>True when the registration's `gitdir` file names `&lt;directory&gt;/.git` (relative entries resolve against the registration).</summary>
        private static bool NamesBack(string registration, string directory)
        {
            var named = RegisteredWorktreePath(registration);
            return named != null && string.Equals(PathUtil.Canonicalize(named), PathUtil.Canonicalize(directory), PathUtil.Comparison);
        }

        /// <summary>The worktree directory a registration's `gitdir` file names, or null.</summary>
        internal static string? RegisteredWorktreePath(string registration)
        {
            try
            {
                var text = File.ReadAllText(Path.Combine(registration, "gitdir")).Trim();
                if (text.Length == 0)
                {
                    return null;
                }

                return Path.GetDirectoryName(Path.GetFullPath(Path.Combine(registration, text)));
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ArgumentException || e is NotSupportedException)
            {
                return null;
            }
        }

        /// <summary>The hint that goes with a refusal.</summary>
        internal static string Hint(OwnershipVerdict verdict)
        {
            if (verdict.SiblingPath != null)
            {
                return $"Removing it could destroy the worktree registered at '{verdict.SiblingPath}'. Move the directory back there; then remove this registration with Remove-WtWorktree (its directory will be missing).";
            }

            return "Removing it could destroy unrelated data. Move the directory aside; then Remove-WtWorktree removes the stale registration.";
        }
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.IO;
using Worktrunk.Removal;

namespace Worktrunk.Creation
{
    /// <summary>
    /// Decides New-WtWorktree's one git call, read-only: every refusal (invalid branch name,
    /// branch checked out elsewhere, -Base with an existing branch, an unresolvable base, a branch
    /// on several remotes, an occupied or symlinked destination, a bad path template) is thrown
    /// here, before anything changes. Git calls: `check-ref-format --branch`, one `for-each-ref`
    /// of refs/heads/ and refs/remotes/, `worktree list`, and `rev-parse --verify` for an explicit
    /// -Base; the template is read through <see cref="ConfigLookup"/>.
    /// </summary>
    internal static class CreationPlanner
    {
        internal static CreationPlan Plan(RepositoryLocation repo, GitRunner git, string branch, string? baseRef, string? path, string? currentLocation)
        {
            var dir = repo.RunDirectory;
            CheckBranchName(git, dir, branch);

            var refs = RefSnapshot.Read(git, dir, "refs/heads/", "refs/remotes/");
            var config = ConfigLookup.Load(git, repo);
            var worktrees = WorktreeLister.List(repo, git, currentLocation);
            foreach (var w in worktrees)
            {
                if (string.Equals(w.Branch, branch, StringComparison.Ordinal))
                {
                    throw new WorktrunkException(
                        ErrorIds.BranchCheckedOut,
                        ErrorKind.ResourceBusy,
                        $"Branch {Printable.Quote(branch)} is already checked out in the worktree {Printable.Quote(w.Path)}.",
                        branch,
                        $"Go there with Get-WtWorktree -Branch {Printable.Quote(branch)} | Set-Location (Set-Location -LiteralPath {Printable.Quote(w.Path)}).");
                }
            }

            var destination = Destination(repo, config, worktrees, branch, path);

            var local = refs.Branch(branch);
            var remotes = RemotesHolding(git, dir, refs, branch);
            if (local != null)
            {
                if (baseRef != null)
                {
                    throw ExistingWithBase(branch, baseRef, "exists");
                }

                return new CreationPlan(branch, destination, CreationKind.ExistingBranch, branch, null, null, null, new[] { "worktree", "add", "--", destination, branch }, null);
            }

            if (remotes.Count > 0 && baseRef != null)
            {
                throw ExistingWithBase(branch, baseRef, "exists on the remote " + Printable.Quote(remotes[0].Remote));
            }

            if (remotes.Count > 1)
            {
                var names = new List<string>();
                foreach (var (remote, _) in remotes)
                {
                    names.Add(Printable.Quote(remote));
                }

                throw new WorktrunkException(
                    ErrorIds.BranchOnSeveralRemotes,
                    ErrorKind.InvalidArgument,
                    $"Branch {Printable.Quote(branch)} does not exist locally and exists on several remotes ({string.Join(", ", names)}): which one to track is your choice.",
                    branch,
                    $"Create the local branch first (git branch --track {branch} <remote>/{branch}), then run New-WtWorktree {branch}.");
            }

            if (remotes.Count == 1)
            {
                var (remote, entry) = remotes[0];
                var args = new[] { "worktree", "add", "--track", "-b", branch, "--", destination, entry.Name };
                return new CreationPlan(branch, destination, CreationKind.TrackRemote, entry.Name, entry.Sha, remote + "/" + branch, remote, args, BranchConfig(git, dir, branch));
            }

            var (baseName, sha) = ResolveBase(repo, git, config, refs, worktrees, baseRef);
            return new CreationPlan(branch, destination, CreationKind.NewBranch, sha, sha, baseName, null, new[] { "worktree", "add", "--no-track", "-b", branch, "--", destination, sha }, null);
        }

        /// <summary>
        /// Refuses a name git would not take as a new branch, and one `--branch` expands
        /// (@{-1}, -): the worktree must get exactly the branch named.
        /// </summary>
        private static void CheckBranchName(GitRunner git, string dir, string branch)
        {
            // A NUL cannot reach git in an argument (it would be cut there): refused here, as git refuses control characters.
            var r = branch.IndexOf('\0') >= 0 ? null : git.Run(dir, GitAccess.ReadOnly, new[] { "check-ref-format", "--branch", branch });
            if (r == null || !r.Succeeded || !string.Equals(r.Stdout.TrimEnd('\n'), branch, StringComparison.Ordinal))
            {
                throw new WorktrunkException(
                    ErrorIds.InvalidBranchName,
                    ErrorKind.InvalidArgument,
                    $"{Printable.Quote(branch)} is not a valid branch name" + (r != null && r.Succeeded ? $" (git reads it as {Printable.Quote(r.Stdout.TrimEnd('\n'))})." : "."),
                    branch,
                    "See git help check-ref-format: no spaces, '..', '~', '^', ':', '?', '*', '[', '\\', leading '-' or trailing '.lock'.");
            }
        }

        /// <summary>
        /// The configured remotes with a remote-tracking branch refs/remotes/&lt;remote&gt;/&lt;branch&gt;
        /// (symbolic refs such as &lt;remote&gt;/HEAD excluded). Only a configured remote counts: for
        /// branch x, refs/remotes/origin/feature/x is origin's feature/x, not a remote "origin/feature"
        /// (`git remote` is asked only when some ref name ends in /&lt;branch&gt;).
        /// </summary>
        private static List<(string Remote, RefEntry Entry)> RemotesHolding(GitRunner git, string dir, RefSnapshot refs, string branch)
        {
            const string Prefix = "refs/remotes/";
            var found = new List<(string, RefEntry)>();
            foreach (var entry in refs.All)
            {
                var name = entry.Name;
                if (entry.Symref == null && name.StartsWith(Prefix, StringComparison.Ordinal) && name.EndsWith("/" + branch, StringComparison.Ordinal)
                    && name.Length > Prefix.Length + branch.Length + 1)
                {
                    found.Add((name.Substring(Prefix.Length, name.Length - Prefix.Length - branch.Length - 1), entry));
                }
            }

            if (found.Count == 0)
            {
                return found;
            }

            var configured = new HashSet<string>(git.RunChecked(dir, GitAccess.ReadOnly, new[] { "remote" }).Split(new[] { '\n' }, StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);
            found.RemoveAll(f => !configured.Contains(f.Item1));
            found.Sort((a, b) => string.CompareOrdinal(a.Item1, b.Item1));
            return found;
        }

        private static WorktrunkException ExistingWithBase(string branch, string baseRef, string where) => new WorktrunkException(
            ErrorIds.BaseWithExistingBranch,
            ErrorKind.InvalidArgument,
            $"Branch {Printable.Quote(branch)} {where}; -Base {Printable.Quote(baseRef)} applies only to a new branch.",
            branch,
            $"Run New-WtWorktree {branch} without -Base to check the existing branch out as it is, or choose a new branch name.");

        /// <summary>
        /// The commit a new branch starts at: -Base resolved by `git rev-parse --verify` (a branch,
        /// tag, commit or remote-tracking branch), else the default branch (the resolution removal
        /// uses: <see cref="DefaultBranchResolver"/>), locally or, when only origin has it, origin's.
        /// </summary>
        private static (string Name, string Sha) ResolveBase(RepositoryLocation repo, GitRunner git, ConfigLookup config, RefSnapshot refs, List<WtWorktree> worktrees, string? baseRef)
        {
            if (baseRef != null)
            {
                var r = baseRef.IndexOf('\0') >= 0 ? null : git.Run(repo.RunDirectory, GitAccess.ReadOnly, new[] { "rev-parse", "--verify", "--quiet", "--end-of-options", baseRef + "^{commit}" });
                var sha = r?.Stdout.Trim() ?? string.Empty;
                if (r == null || !r.Succeeded || sha.Length == 0 || baseRef.Length == 0)
                {
                    throw new WorktrunkException(
                        ErrorIds.BaseNotFound,
                        ErrorKind.ObjectNotFound,
                        $"-Base {Printable.Quote(baseRef)} does not name a commit (a branch, tag, commit or remote-tracking branch) in this repository.",
                        baseRef,
                        "Check the name with git rev-parse --verify, or git fetch when it is a remote branch you have not fetched yet.");
                }

                return (baseRef, sha);
            }

            string? mainBranch = null;
            foreach (var w in worktrees)
            {
                if (w.IsMain)
                {
                    mainBranch = w.Branch;
                }
            }

            var name = DefaultBranchResolver.Resolve(refs, config.Get("init", null, "defaultBranch"), mainBranch);
            var tip = name == null ? null : refs.Branch(name) ?? refs["refs/remotes/origin/" + name];
            if (name == null || tip == null)
            {
                throw new WorktrunkException(
                    ErrorIds.BaseNotFound,
                    ErrorKind.ObjectNotFound,
                    name == null
                        ? "The repository has no default branch to start a new branch from."
                        : $"The default branch {Printable.Quote(name)} has no commit to start a new branch from.",
                    name ?? repo.CommonDir,
                    "Pass -Base with a branch, tag or commit.");
            }

            return (refs.Branch(name!) != null ? name! : "origin/" + name, tip.Sha);
        }

        /// <summary>
        /// The destination, checked: -Path (already resolved against the session) or the template;
        /// the existing ancestors canonicalized (a symlinked parent such as /tmp → /private/tmp is
        /// resolved once, here, and git gets the real path), the last component lstat'ed: missing
        /// or an empty real directory is accepted; a symlink (even to an empty directory), a file,
        /// a non-empty directory, or a path a worktree is registered at (even a missing one) is
        /// refused. Missing parents are created by git itself (mkdir of each leading directory).
        /// </summary>
        private static string Destination(RepositoryLocation repo, ConfigLookup config, List<WtWorktree> worktrees, string branch, string? path)
        {
            string full;
            if (path != null)
            {
                full = PathUtil.TrimEnd(Path.GetFullPath(path));
            }
            else
            {
                var template = config.Get(WorktreePathTemplate.ConfigSection, null, WorktreePathTemplate.ConfigKey);
                full = WorktreePathTemplate.Expand(template, RepoRoot(repo, worktrees), branch, Environment.GetEnvironmentVariable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));
            }

            var parent = Path.GetDirectoryName(full);
            var leaf = Path.GetFileName(full);
            if (parent == null || leaf.Length == 0)
            {
                throw Occupied(full, "is a filesystem root");
            }

            var destination = Path.Combine(PathUtil.Canonicalize(parent), leaf);
            foreach (var w in worktrees)
            {
                if (string.Equals(PathUtil.Canonicalize(w.Path), destination, PathUtil.Comparison))
                {
                    throw Occupied(destination, w.Exists
                        ? "is already a worktree" + (w.Branch != null ? " (branch " + Printable.Quote(w.Branch) + ")" : string.Empty)
                        : "is registered as a worktree whose directory is missing (git worktree prune removes the registration)");
                }
            }

            FileAttributes attributes;
            try
            {
                // lstat semantics for the last component: a symlink reports ReparsePoint, even a dangling one.
                attributes = File.GetAttributes(destination);
            }
            catch (Exception e) when (e is FileNotFoundException || e is DirectoryNotFoundException)
            {
                return destination;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw Occupied(destination, "cannot be examined: " + e.Message);
            }

            if ((attributes & FileAttributes.ReparsePoint) != 0)
            {
                throw new WorktrunkException(
                    ErrorIds.WorktreePathIsSymlink,
                    ErrorKind.InvalidArgument,
                    $"The worktree path {Printable.Quote(destination)} is a symbolic link; a worktree is never created through one.",
                    destination,
                    "Pass -Path with the real directory, or remove the link.");
            }

            if ((attributes & FileAttributes.Directory) == 0)
            {
                throw Occupied(destination, "is a file");
            }

            using (var entries = Directory.EnumerateFileSystemEntries(destination).GetEnumerator())
            {
                if (entries.MoveNext())
                {
                    throw Occupied(destination, "is a directory that is not empty");
                }
            }

            return destination;
        }

        /// <summary>The directory the template is relative to: the main worktree, or a bare repository's own directory.</summary>
        private static string RepoRoot(RepositoryLocation repo, List<WtWorktree> worktrees)
        {
            foreach (var w in worktrees)
            {
                if (w.IsMain || w.IsBare)
                {
                    return PathUtil.Canonicalize(w.Path);
                }
            }

            return repo.CommonDir;
        }

        private static WorktrunkException Occupied(string path, string why) => new WorktrunkException(
            ErrorIds.WorktreePathExists,
            ErrorKind.InvalidOperation,
            $"The worktree path {Printable.Quote(path)} {why}.",
            path,
            "Pass -Path with a new or empty directory, or remove what is there first.");

        /// <summary>The branch.&lt;b&gt;.* entries of the repository's own config (`git config --local --get-regexp -z`), to put back after a failed tracking call.</summary>
        private static List<(string Name, string Value)> BranchConfig(GitRunner git, string dir, string branch)
        {
            var r = git.Run(dir, GitAccess.ReadOnly, new[] { "config", "--local", "-z", "--get-regexp", "^branch\\." + EscapeRegex(branch) + "\\." });
            var list = new List<(string, string)>();
            if (r.ExitCode == 1)
            {
                return list;
            }

            if (!r.Succeeded)
            {
                throw GitRunner.Failure(r, branch);
            }

            foreach (var item in r.Stdout.Split('\0'))
            {
                if (item.Length == 0)
                {
                    continue;
                }

                var newline = item.IndexOf('\n');
                list.Add(newline < 0 ? (item, string.Empty) : (item.Substring(0, newline), item.Substring(newline + 1)));
            }

            return list;
        }

        /// <summary>A branch name as a POSIX extended regular expression matching exactly it.</summary>
        internal static string EscapeRegex(string text)
        {
            var sb = new StringBuilder(text.Length * 2);
            foreach (var c in text)
            {
                if ("\\.[]()*+?{}|^$".IndexOf(c) >= 0)
                {
                    sb.Append('\\');
                }

                sb.Append(c);
            }

            return sb.ToString();
        }
    }
}

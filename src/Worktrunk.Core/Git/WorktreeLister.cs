using System;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;
using Worktrunk.IO;

namespace Worktrunk.Git
{
    /// <summary>Lists a repository's worktrees as <see cref="WtWorktree"/> objects with one git call.</summary>
    internal static class WorktreeLister
    {
        /// <summary>
        /// Runs `git worktree list --porcelain -z` for <paramref name="repo"/> and builds the objects.
        /// <paramref name="currentLocation"/> (the PowerShell session's location) decides IsCurrent.
        /// </summary>
        internal static List<WtWorktree> List(RepositoryLocation repo, GitRunner git, string? currentLocation)
        {
            // The registrations are plain files: read them on the thread pool while git runs (pure reads, no diagnostics).
            var registrations = Task.Run(() => ReadRegistrations(repo.CommonDir));
            string output;
            try
            {
                output = git.RunChecked(repo.RunDirectory, GitAccess.ReadOnly, new[] { "worktree", "list", "--porcelain", "-z" });
            }
            catch
            {
                registrations.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
                throw;
            }

            var records = WorktreeListParser.Parse(output);
            var list = Build(records, repo.CommonDir, currentLocation, registrations.GetAwaiter().GetResult());

            // A worktree added while git ran has a registration the early read missed: read them again, as a serial listing would.
            foreach (var w in list)
            {
                if (w.GitDir == null && !w.IsBare && !w.IsMain)
                {
                    return Build(records, repo.CommonDir, currentLocation);
                }
            }

            return list;
        }

        /// <summary>
        /// Turns parsed records into objects; pure apart from reading registration files under the common dir.
        /// Each worktree path is canonicalized once (one realpath), and registrations are matched by
        /// the exact path git printed (git prints the text of the registration's gitdir file), with a
        /// canonical comparison only for a record that text does not match.
        /// </summary>
        internal static List<WtWorktree> Build(List<WorktreeRecord> records, string commonDir, string? currentLocation, Registrations? registrations = null)
        {
            registrations ??= ReadRegistrations(commonDir);
            var current = currentLocation == null ? null : PathUtil.Canonicalize(currentLocation);
            var canonical = new string[records.Count];
            for (var i = 0; i < records.Count; i++)
            {
                canonical[i] = PathUtil.Canonicalize(records[i].Path);
            }

            // The current worktree is the deepest one containing the location (worktrees may nest).
            string? currentPath = null;
            if (current != null)
            {
                foreach (var path in canonical)
                {
                    if (PathUtil.IsAtOrUnder(current, path) && (currentPath == null || path.Length > currentPath.Length))
                    {
                        currentPath = path;
                    }
                }
            }

            var list = new List<WtWorktree>(records.Count);
            for (var i = 0; i < records.Count; i++)
            {
                var r = records[i];
                var isMain = !r.IsBare && i == 0 && string.Equals(PathUtil.Canonicalize(Path.Combine(r.Path, ".git")), commonDir, PathUtil.Comparison);
                string? gitDir;
                if (r.IsBare || isMain)
                {
                    gitDir = commonDir;
                }
                else
                {
                    gitDir = registrations.Find(r.Path, canonical[i]);
                }

                var branch = r.BranchRef == null ? null : WorktreeListParser.ShortBranchName(r.BranchRef);
                if (branch == null && r.IsDetached && gitDir != null)
                {
                    // A worktree in the middle of a rebase is detached but keeps its branch identity.
                    branch = RebaseBranch(gitDir);
                }

                list.Add(new WtWorktree(
                    r.Path,
                    branch,
                    r.Head,
                    isMain,
                    currentPath != null && string.Equals(canonical[i], currentPath, PathUtil.Comparison),
                    r.IsDetached,
                    r.IsBare,
                    r.IsLocked,
                    r.IsLocked ? r.LockReason ?? string.Empty : null,
                    r.IsPrunable,
                    r.IsPrunable ? r.PrunableReason ?? string.Empty : null,
                    gitDir,
                    commonDir,
                    Directory.Exists(r.Path)));
            }

            return list;
        }

        /// <summary>Reads every `&lt;common&gt;/worktrees/&lt;id&gt;/gitdir`: which worktree directory each registration serves.</summary>
        internal static Registrations ReadRegistrations(string commonDir)
        {
            var registrations = new Registrations();
            var root = Path.Combine(commonDir, "worktrees");
            if (!Directory.Exists(root))
            {
                return registrations;
            }

            // commonDir is canonical; a registration directory that is not a symlink keeps it canonical without a realpath.
            var canonicalRoot = PathUtil.Canonicalize(root);
            foreach (var entry in new DirectoryInfo(canonicalRoot).EnumerateDirectories())
            {
                try
                {
                    var text = File.ReadAllText(Path.Combine(entry.FullName, "gitdir")).Trim();
                    if (text.Length == 0)
                    {
                        continue;
                    }

                    // The file names <worktree>/.git; relative entries resolve against the registration dir.
                    var dotGit = Path.GetFullPath(Path.Combine(entry.FullName, text));
                    var worktree = Path.GetDirectoryName(dotGit);
                    if (worktree != null)
                    {
                        var registration = (entry.Attributes & FileAttributes.ReparsePoint) != 0 ? PathUtil.Canonicalize(entry.FullName) : PathUtil.TrimEnd(entry.FullName);
                        registrations.Add(PathUtil.TrimEnd(worktree), registration);
                    }
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                }
            }

            return registrations;
        }

        /// <summary>Registration directories keyed by the worktree path their gitdir file names.</summary>
        internal sealed class Registrations
        {
            private readonly List<(string Worktree, string GitDir)> _entries = new List<(string, string)>();
            private readonly Dictionary<string, string> _byPath = new Dictionary<string, string>(PathUtil.Comparison == StringComparison.Ordinal ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase);
            private Dictionary<string, string>? _byCanonicalPath;

            internal int Count => _entries.Count;

            internal void Add(string worktree, string gitDir)
            {
                _entries.Add((worktree, gitDir));
                _byPath[worktree] = gitDir;
            }

            /// <summary>The git dir serving the worktree at <paramref name="path"/> (as git printed it; <paramref name="canonicalPath"/> is its canonical form).</summary>
            internal string? Find(string path, string canonicalPath)
            {
                if (_byPath.TryGetValue(PathUtil.TrimEnd(path), out var gitDir))
                {
                    return gitDir;
                }

                // Only when the texts differ (a relative registration, a symlinked path): compare canonical forms, built once.
                return ByCanonicalPath().TryGetValue(canonicalPath, out gitDir) ? gitDir : null;
            }

            /// <summary>Gets the registered worktree directories, canonical.</summary>
            internal IEnumerable<string> Keys => ByCanonicalPath().Keys;

            /// <summary>Looks a registration up by the worktree's canonical path.</summary>
            internal bool TryGetValue(string canonicalPath, out string gitDir)
            {
                var found = Find(canonicalPath, canonicalPath);
                gitDir = found ?? string.Empty;
                return found != null;
            }

            private Dictionary<string, string> ByCanonicalPath()
            {
                if (_byCanonicalPath == null)
                {
                    _byCanonicalPath = new Dictionary<string, string>(_byPath.Comparer);
                    foreach (var (worktree, dir) in _entries)
                    {
                        _byCanonicalPath[PathUtil.Canonicalize(worktree)] = dir;
                    }
                }

                return _byCanonicalPath;
            }
        }

        /// <summary>
        /// The branch a rebase in progress in <paramref name="gitDir"/> will return to
        /// (rebase-merge|rebase-apply/head-name), or null: a worktree being rebased is detached but
        /// keeps its branch checked out.
        /// </summary>
        internal static string? RebaseBranch(string gitDir)
        {
            foreach (var dir in new[] { "rebase-merge", "rebase-apply" })
            {
                var file = Path.Combine(gitDir, dir, "head-name");
                if (File.Exists(file))
                {
                    try
                    {
                        var name = File.ReadAllText(file).Trim();
                        if (name.Length > 0 && name != "detached HEAD")
                        {
                            return WorktreeListParser.ShortBranchName(name);
                        }
                    }
                    catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                    {
                    }
                }
            }

            return null;
        }
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.PowerShell.Tests.Removal
{
    /// <summary>
    /// Everything a refusal must leave exactly as it was: every file under the sandbox (the
    /// worktrees and the whole common dir, including &lt;common&gt;/worktrees) by path, type, size,
    /// content hash, mode and modification time; every directory; every symlink's target; and
    /// `git for-each-ref` output.
    /// </summary>
    internal sealed class RepoSnapshot
    {
        private readonly SortedDictionary<string, string> _entries;

        private RepoSnapshot(SortedDictionary<string, string> entries)
        {
            _entries = entries;
        }

        internal static RepoSnapshot Take(GitSandbox sb)
        {
            var entries = new SortedDictionary<string, string>(StringComparer.Ordinal);
            Walk(sb.Root, sb.Root, entries);
            entries["<for-each-ref>"] = sb.Git(sb.RepoPath, "for-each-ref", "--format=%(refname) %(objectname) %(upstream)");
            entries["<worktree list>"] = sb.Git(sb.RepoPath, "worktree", "list", "--porcelain");
            return entries.Count == 0 ? throw new InvalidOperationException("empty snapshot") : new RepoSnapshot(entries);
        }

        /// <summary>A snapshot of some directories only (for a target left alone while others were removed).</summary>
        internal static RepoSnapshot TakeDirectories(params string[] directories)
        {
            var entries = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var d in directories)
            {
                entries[d + "/"] = Directory.Exists(d) ? "dir" : "missing";
                if (Directory.Exists(d))
                {
                    Walk(Path.GetDirectoryName(d)!, d, entries);
                }
            }

            return new RepoSnapshot(entries);
        }

        /// <summary>Asserts the directories of a TakeDirectories snapshot are unchanged.</summary>
        internal void AssertDirectoriesUnchanged(params string[] directories) => Compare(TakeDirectories(directories)._entries);

        internal int Count => _entries.Count;

        /// <summary>Asserts nothing changed; the failure lists what did.</summary>
        internal void AssertUnchanged(GitSandbox sb) => Compare(Take(sb)._entries);

        private void Compare(SortedDictionary<string, string> now)
        {
            var diffs = new List<string>();
            foreach (var kv in _entries)
            {
                if (!now.TryGetValue(kv.Key, out var v))
                {
                    diffs.Add("gone: " + kv.Key);
                }
                else if (v != kv.Value)
                {
                    diffs.Add("changed: " + kv.Key + " (" + kv.Value + " -> " + v + ")");
                }
            }

            foreach (var k in now.Keys.Where(k => !_entries.ContainsKey(k)))
            {
                diffs.Add("new: " + k);
            }

            Assert.True(diffs.Count == 0, "The repository changed:\n" + string.Join("\n", diffs.Take(30)));
        }

        private static void Walk(string root, string dir, SortedDictionary<string, string> entries)
        {
            foreach (var info in new DirectoryInfo(dir).EnumerateFileSystemInfos())
            {
                var rel = Path.GetRelativePath(root, info.FullName);
                if (info.LinkTarget != null)
                {
                    entries[rel] = "link " + info.LinkTarget;
                    continue;
                }

                if (info is DirectoryInfo d)
                {
                    entries[rel + "/"] = "dir " + File.GetUnixFileMode(d.FullName);
                    Walk(root, d.FullName, entries);
                    continue;
                }

                var f = (FileInfo)info;
                using var stream = f.OpenRead();
                var hash = Convert.ToHexString(SHA256.HashData(stream));
                entries[rel] = $"file {f.Length} {hash} {File.GetUnixFileMode(f.FullName)} {f.LastWriteTimeUtc.Ticks}";
            }
        }
    }
}

using System;
using System.Collections.Generic;
using Worktrunk.Git;

namespace Worktrunk.Removal
{
    /// <summary>One ref as `git for-each-ref` printed it.</summary>
    internal sealed class RefEntry
    {
        internal RefEntry(string name, string sha, string? symref, string? upstream, string? upstreamShort)
        {
            Name = name;
            Sha = sha;
            Symref = symref;
            Upstream = upstream;
            UpstreamShort = upstreamShort;
        }

        /// <summary>The full ref name (refs/heads/x).</summary>
        internal string Name { get; }

        internal string Sha { get; }

        /// <summary>The ref a symbolic ref points at (refs/remotes/origin/HEAD → refs/remotes/origin/main), else null.</summary>
        internal string? Symref { get; }

        /// <summary>The configured upstream (refs/remotes/origin/x), else null.</summary>
        internal string? Upstream { get; }

        internal string? UpstreamShort { get; }
    }

    /// <summary>
    /// Refs with their tips, upstreams and symbolic targets: read with one `git for-each-ref` call,
    /// or one at a time on first use (OnDemand, from git's ref files). Planning reads what it
    /// needs; branch deletion judges on that snapshot and verifies every tip it used in the
    /// deleting transaction (BranchDeleter), reading the two refs it needs afresh only when that
    /// transaction is refused or the snapshot judges "not integrated". Deliberately without
    /// %(upstream:track): that atom counts ahead/behind commits for every branch with an upstream
    /// (a commit walk each); whether an upstream still exists is learned by resolving it when it
    /// matters.
    /// </summary>
    internal sealed class RefSnapshot
    {
        private const string Format = "--format=%(refname)%00%(objectname)%00%(symref)%00%(upstream)%00%(upstream:short)";

        /// <summary>The refs read (null values: looked up, absent).</summary>
        private readonly Dictionary<string, RefEntry?> _refs;

        /// <summary>Looks up a ref not yet read (the in-process mode); null when the snapshot is complete.</summary>
        private readonly Func<string, RefEntry?>? _resolve;

        private RefSnapshot(Dictionary<string, RefEntry?> refs, Func<string, RefEntry?>? resolve = null)
        {
            _refs = refs;
            _resolve = resolve;
        }

        internal static RefSnapshot Empty { get; } = new RefSnapshot(new Dictionary<string, RefEntry?>(StringComparer.Ordinal));

        /// <summary>
        /// A snapshot read one ref at a time, on first use, by <paramref name="resolve"/> (which
        /// returns null for an absent ref), each answer kept: what planning reads without a process
        /// (Git/RefFiles), with git asked for any ref the files cannot answer exactly.
        /// </summary>
        internal static RefSnapshot OnDemand(Func<string, RefEntry?> resolve) => new RefSnapshot(new Dictionary<string, RefEntry?>(StringComparer.Ordinal), resolve);

        /// <summary>Reads the refs matching <paramref name="patterns"/> (for-each-ref patterns); throws when git fails.</summary>
        internal static RefSnapshot Read(GitRunner git, string directory, params string[] patterns)
        {
            var args = new List<string> { "for-each-ref", Format };
            args.AddRange(patterns);
            return Parse(git.RunChecked(directory, GitAccess.ReadOnly, args));
        }

        internal static RefSnapshot Parse(string output)
        {
            var refs = new Dictionary<string, RefEntry?>(StringComparer.Ordinal);
            foreach (var line in output.Split('\n'))
            {
                var f = line.Split('\0');
                if (f.Length < 5 || f[0].Length == 0)
                {
                    continue;
                }

                refs[f[0]] = new RefEntry(f[0], f[1], Nullable(f[2]), Nullable(f[3]), Nullable(f[4]));
            }

            return new RefSnapshot(refs);
        }

        internal RefEntry? this[string refName]
        {
            get
            {
                lock (_refs)
                {
                    if (_refs.TryGetValue(refName, out var e))
                    {
                        return e;
                    }

                    if (_resolve == null)
                    {
                        return null;
                    }

                    e = _resolve(refName);
                    _refs[refName] = e;
                    return e;
                }
            }
        }

        /// <summary>Gets every ref read so far (for a snapshot from <see cref="Read"/>: every ref its patterns matched).</summary>
        internal IEnumerable<RefEntry> All
        {
            get
            {
                var list = new List<RefEntry>();
                lock (_refs)
                {
                    foreach (var e in _refs.Values)
                    {
                        if (e != null)
                        {
                            list.Add(e);
                        }
                    }
                }

                return list;
            }
        }

        internal RefEntry? Branch(string branch) => this["refs/heads/" + branch];

        internal bool HasBranch(string branch) => Branch(branch) != null;

        private static string? Nullable(string s) => s.Length == 0 ? null : s;
    }
}

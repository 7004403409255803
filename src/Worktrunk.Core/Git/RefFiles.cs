using System;
using System.Collections.Generic;
using System.IO;
using Worktrunk.Interop;

namespace Worktrunk.Git
{
    /// <summary>
    /// Reads single refs of the files ref backend the way git does, without starting git: the loose
    /// file &lt;common&gt;/&lt;ref&gt; first (an object id, or `ref: &lt;target&gt;`), else the ref's line in
    /// &lt;common&gt;/packed-refs. Loose first, then packed-refs re-read whenever its size or time
    /// changed, is git's own order, so a concurrent `git pack-refs` (packed-refs written, then the
    /// loose file deleted) never makes a ref look absent.
    ///
    /// Declines (false, so the caller asks git) for everything else: the reftable backend or a ref
    /// storage extension, a case-insensitive filesystem (core.ignorecase), a loose file that is neither a full object id nor `ref: refs/...`, a
    /// symbolic ref whose target is itself symbolic, a packed-refs line it does not know, a read error,
    /// Windows.
    /// </summary>
    internal sealed class RefFiles
    {
        private readonly string _common;
        private Dictionary<string, string>? _packed;
        private (DateTime Time, long Length) _packedStamp;

        private RefFiles(string common)
        {
            _common = common;
        }

        /// <summary>A reader for <paramref name="commonDir"/>, or null when it is not the plain files backend.</summary>
        internal static RefFiles? Open(string commonDir) => Open(commonDir, ConfigLookup.ReadRepositoryConfig(commonDir));

        /// <summary>As <see cref="Open(string)"/>, with &lt;common&gt;/config already read (ConfigLookup.ReadRepositoryConfig; null: not readable exactly).</summary>
        internal static RefFiles? Open(string commonDir, List<ConfigEntry>? repositoryConfig)
        {
            if (Platform.IsWindows || repositoryConfig == null || Directory.Exists(Path.Combine(commonDir, "reftable")))
            {
                return null;
            }

            foreach (var e in repositoryConfig)
            {
                if (e.Section == "extensions" && e.Subsection == null && e.Key == "refstorage")
                {
                    return null;
                }

                // A case-insensitive filesystem (git sets core.ignorecase there): the loose file of
                // refs/heads/main would also answer for refs/heads/Main. Only git lists names exactly.
                if (e.Section == "core" && e.Subsection == null && e.Key == "ignorecase" && !string.Equals(e.Value, "false", StringComparison.OrdinalIgnoreCase))
                {
                    return null;
                }
            }

            return new RefFiles(commonDir);
        }

        /// <summary>
        /// Parses the text of a loose ref or HEAD file as git does: `ref: &lt;target&gt;` (a symbolic
        /// ref, target under refs/) or a full lower-case object id. False for anything else.
        /// </summary>
        internal static bool TryParse(string text, out string? sha, out string? target)
        {
            sha = null;
            target = null;
            if (text.StartsWith("ref:", StringComparison.Ordinal))
            {
                target = text.Substring(4).Trim(' ', '\t', '\n', '\r');
                return target.StartsWith("refs/", StringComparison.Ordinal);
            }

            var id = text.TrimEnd('\n');
            if (!IsObjectId(id))
            {
                return false;
            }

            sha = id;
            return true;
        }

        /// <summary>
        /// Resolves <paramref name="name"/> (a full ref under refs/). True with <paramref name="sha"/>
        /// null when the ref does not exist; <paramref name="symref"/> is the target of a symbolic ref
        /// (its sha that target's). False when only git can say.
        /// </summary>
        internal bool TryRead(string name, out string? sha, out string? symref)
        {
            sha = null;
            symref = null;
            if (!ValidName(name))
            {
                return false;
            }

            try
            {
                if (!TryReadOne(name, out var value, out var target))
                {
                    return false;
                }

                if (target == null)
                {
                    sha = value;
                    return true;
                }

                // One level of symbolic ref (refs/remotes/origin/HEAD → refs/remotes/origin/main).
                if (!ValidName(target) || !TryReadOne(target, out var targetSha, out var deeper) || deeper != null)
                {
                    return false;
                }

                if (targetSha == null)
                {
                    // A dangling symbolic ref: for-each-ref skips it as broken, so it is absent.
                    return true;
                }

                sha = targetSha;
                symref = target;
                return true;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return false;
            }
        }

        private bool TryReadOne(string name, out string? sha, out string? target)
        {
            sha = null;
            target = null;
            var loose = Path.Combine(_common, name);
            if (File.Exists(loose))
            {
                return TryParse(File.ReadAllText(loose), out sha, out target);
            }

            if (Directory.Exists(loose))
            {
                // refs/heads/feature when only refs/heads/feature/x exists: not a ref (nor a packed one).
                return true;
            }

            var packed = Packed();
            if (packed == null)
            {
                return false;
            }

            packed.TryGetValue(name, out sha);
            return true;
        }

        /// <summary>packed-refs as name → id (peeled lines skipped); reread when its size or time changed; null when unreadable.</summary>
        private Dictionary<string, string>? Packed()
        {
            var file = new FileInfo(Path.Combine(_common, "packed-refs"));
            var stamp = file.Exists ? (file.LastWriteTimeUtc, file.Length) : (DateTime.MinValue, -1L);
            if (_packed != null && stamp == _packedStamp)
            {
                return _packed;
            }

            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            if (file.Exists)
            {
                foreach (var line in File.ReadAllText(file.FullName).Split('\n'))
                {
                    if (line.Length == 0 || line.StartsWith("# pack-refs with:", StringComparison.Ordinal) || line.StartsWith("^", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    var space = line.IndexOf(' ');
                    if (space <= 0 || !IsObjectId(line.Substring(0, space)) || !ValidName(line.Substring(space + 1)))
                    {
                        return null;
                    }

                    map[line.Substring(space + 1)] = line.Substring(0, space);
                }
            }

            _packed = map;
            _packedStamp = stamp;
            return map;
        }

        /// <summary>A name this reader may look up as a path: refs/..., no empty, "." or ".." component, no backslash or control characters.</summary>
        private static bool ValidName(string name)
        {
            if (!name.StartsWith("refs/", StringComparison.Ordinal) || name.EndsWith("/", StringComparison.Ordinal) || name.EndsWith(".lock", StringComparison.Ordinal))
            {
                return false;
            }

            foreach (var part in name.Split('/'))
            {
                if (part.Length == 0 || part == "." || part == "..")
                {
                    return false;
                }
            }

            foreach (var c in name)
            {
                if (c < ' ' || c == '\\' || c == 127)
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>A full object id as git writes it: 40 (SHA-1) or 64 (SHA-256) lower-case hex digits.</summary>
        internal static bool IsObjectId(string s)
        {
            if (s.Length != 40 && s.Length != 64)
            {
                return false;
            }

            foreach (var c in s)
            {
                if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
                {
                    return false;
                }
            }

            return true;
        }
    }
}

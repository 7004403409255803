using System;
using System.Collections.Generic;
using System.IO;
using Worktrunk.Interop;

namespace Worktrunk.Git
{
    /// <summary>
    /// Answers `git config --get &lt;section&gt;[.&lt;subsection&gt;].&lt;key&gt;` for a repository without
    /// starting git, when that can be done exactly; otherwise runs that very command. Used where a
    /// git process on every call would dominate (Remove-WtWorktree's planning reads
    /// init.defaultBranch and branch.&lt;default&gt;.merge).
    ///
    /// Exact means: the files git reads, in git's order, last value wins: the system file (its
    /// entries asked of git once per process, since only git knows where its build put that file),
    /// the global files ($GIT_CONFIG_GLOBAL, else $XDG_CONFIG_HOME/git/config or
    /// ~/.config/git/config, then ~/.gitconfig), then &lt;common&gt;/config. The files are read once
    /// per instance. It runs git instead whenever the answer could differ: on Windows (HOME
    /// resolution), when the environment carries configuration (GIT_CONFIG_PARAMETERS,
    /// GIT_CONFIG_COUNT, GIT_CONFIG), when any file read has an include or includeIf section or
    /// anything git would parse differently or reject, when a file exists but cannot be read, when
    /// the repository uses per-worktree config (extensions.worktreeConfig), and when the value is
    /// written without `=`.
    /// </summary>
    internal sealed class ConfigLookup
    {
        private static readonly object s_systemLock = new object();
        private static readonly Dictionary<string, List<(string Name, string? Value)>> s_system = new Dictionary<string, List<(string Name, string? Value)>>(StringComparer.Ordinal);

        private readonly GitRunner _git;
        private readonly RepositoryLocation _repository;

        /// <summary>The global and local entries in git's order; null when only git can answer.</summary>
        private readonly List<ConfigEntry>? _entries;

        private ConfigLookup(GitRunner git, RepositoryLocation repository, List<ConfigEntry>? entries)
        {
            _git = git;
            _repository = repository;
            _entries = entries;
        }

        /// <summary>Reads the global and local config files of <paramref name="repository"/> once.</summary>
        internal static ConfigLookup Load(GitRunner git, RepositoryLocation repository) => Load(git, repository, ReadRepositoryConfig(repository.CommonDir));

        /// <summary>
        /// As <see cref="Load(GitRunner, RepositoryLocation)"/>, with the repository's own config
        /// already read by <see cref="ReadRepositoryConfig"/> (so a caller that needs it too reads it once).
        /// </summary>
        internal static ConfigLookup Load(GitRunner git, RepositoryLocation repository, List<ConfigEntry>? repositoryConfig) =>
            new ConfigLookup(git, repository, ReadFiles(repositoryConfig));

        /// <summary>
        /// The entries of &lt;common&gt;/config, or null when they cannot be read exactly as git reads
        /// them (unreadable, rejected by the parser, or with an include/includeIf section, whose
        /// targets only git resolves). A missing file is empty, as it is to git.
        /// </summary>
        internal static List<ConfigEntry>? ReadRepositoryConfig(string commonDir) => ReadFile(Path.Combine(commonDir, "config"));

        /// <summary>The value as `git config --get` prints it (trimmed), or null when it is not set; runs git when it must.</summary>
        internal string? Get(string section, string? subsection, string key)
        {
            var name = Name(section, subsection, key);
            if (TryGet(section, subsection, key, out var value))
            {
                _git.Sink.Debug($"{name} read from the config files: {value ?? "(not set)"}");
                return value;
            }

            var r = _git.Run(_repository.RunDirectory, GitAccess.ReadOnly, new[] { "config", "--get", name });
            return r.Succeeded && r.Stdout.Trim().Length > 0 ? r.Stdout.Trim() : null;
        }

        /// <summary>The in-process answer (null: not set); false when only git can answer exactly.</summary>
        internal bool TryGet(string section, string? subsection, string key, out string? value)
        {
            value = null;
            if (_entries == null || !TrySystem(section, subsection, key, out var found))
            {
                return false;
            }

            var wantedSection = section.ToLowerInvariant();
            var wantedKey = key.ToLowerInvariant();
            foreach (var e in _entries)
            {
                if (e.Section == wantedSection && string.Equals(e.Subsection, subsection, StringComparison.Ordinal) && e.Key == wantedKey)
                {
                    if (e.Value == null)
                    {
                        return false;
                    }

                    found = e.Value;
                }
            }

            value = found == null || found.Trim().Length == 0 ? null : found.Trim();
            return true;
        }

        private static string Name(string section, string? subsection, string key) => subsection == null ? section + "." + key : section + "." + subsection + "." + key;

        /// <summary>The global entries, then <paramref name="repositoryConfig"/>'s, in git's order; null when only git can answer.</summary>
        private static List<ConfigEntry>? ReadFiles(List<ConfigEntry>? repositoryConfig)
        {
            if (repositoryConfig == null || Platform.IsWindows || HasValue("GIT_CONFIG_PARAMETERS") || HasValue("GIT_CONFIG_COUNT") || HasValue("GIT_CONFIG"))
            {
                return null;
            }

            var files = new List<string>();
            var globalOverride = Environment.GetEnvironmentVariable("GIT_CONFIG_GLOBAL");
            if (!string.IsNullOrEmpty(globalOverride))
            {
                files.Add(globalOverride!);
            }
            else
            {
                var home = Environment.GetEnvironmentVariable("HOME");
                var xdg = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");
                if (!string.IsNullOrEmpty(xdg))
                {
                    files.Add(Path.Combine(xdg!, "git", "config"));
                }
                else if (!string.IsNullOrEmpty(home))
                {
                    files.Add(Path.Combine(home!, ".config", "git", "config"));
                }

                if (!string.IsNullOrEmpty(home))
                {
                    files.Add(Path.Combine(home!, ".gitconfig"));
                }
            }

            var all = new List<ConfigEntry>();
            foreach (var file in files)
            {
                var entries = ReadFile(file);
                if (entries == null)
                {
                    return null;
                }

                all.AddRange(entries);
            }

            foreach (var e in repositoryConfig)
            {
                if (e.Section == "extensions" && e.Subsection == null && e.Key == "worktreeconfig")
                {
                    return null;
                }
            }

            all.AddRange(repositoryConfig);
            return all;
        }

        /// <summary>
        /// The system file's value. Its entries are asked of git once per process (and environment):
        /// `git config --list --show-scope --includes -z`, keeping the "system" ones, so git resolves
        /// where its build keeps that file and what it includes.
        /// </summary>
        private bool TrySystem(string section, string? subsection, string key, out string? value)
        {
            value = null;
            if (IsTrue(Environment.GetEnvironmentVariable("GIT_CONFIG_NOSYSTEM")))
            {
                return true;
            }

            var cacheKey = Environment.GetEnvironmentVariable("GIT_CONFIG_SYSTEM") + "\0" + _git.GitExecutable;
            List<(string Name, string? Value)>? entries;
            lock (s_systemLock)
            {
                s_system.TryGetValue(cacheKey, out entries);
            }

            if (entries == null)
            {
                var r = _git.Run(_repository.RunDirectory, GitAccess.ReadOnly, new[] { "config", "--list", "--show-scope", "--includes", "-z" });
                if (!r.Succeeded)
                {
                    return false;
                }

                entries = ParseScoped(r.Stdout, "system");
                lock (s_systemLock)
                {
                    s_system[cacheKey] = entries;
                }
            }

            var name = section.ToLowerInvariant() + (subsection == null ? string.Empty : "." + subsection) + "." + key.ToLowerInvariant();
            foreach (var (n, v) in entries)
            {
                if (string.Equals(n, name, StringComparison.Ordinal))
                {
                    if (v == null)
                    {
                        return false;
                    }

                    value = v;
                }
            }

            return true;
        }

        /// <summary>The entries of one scope in `git config --list --show-scope -z` output ("scope\0name\nvalue\0", or "scope\0name\0" without a value).</summary>
        internal static List<(string Name, string? Value)> ParseScoped(string output, string scope)
        {
            var list = new List<(string, string?)>();
            var parts = output.Split('\0');
            for (var i = 0; i + 1 < parts.Length; i += 2)
            {
                if (!string.Equals(parts[i], scope, StringComparison.Ordinal))
                {
                    continue;
                }

                var entry = parts[i + 1];
                var newline = entry.IndexOf('\n');
                list.Add(newline < 0 ? (entry, null) : (entry.Substring(0, newline), entry.Substring(newline + 1)));
            }

            return list;
        }

        /// <summary>One config file's entries; empty when it is missing; null when it is not ours to read (see <see cref="ReadRepositoryConfig"/>).</summary>
        private static List<ConfigEntry>? ReadFile(string file)
        {
            string text;
            try
            {
                if (!File.Exists(file))
                {
                    // A missing file is an empty one to git; a directory or other oddity is not ours to judge.
                    return Directory.Exists(file) ? null : new List<ConfigEntry>();
                }

                text = File.ReadAllText(file);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return null;
            }

            var entries = ConfigFileParser.Parse(text);
            if (entries == null)
            {
                return null;
            }

            foreach (var e in entries)
            {
                if (e.Section == "include" || e.Section == "includeif")
                {
                    return null;
                }
            }

            return entries;
        }

        private static bool HasValue(string variable) => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(variable));

        // git_env_bool: "true"/"yes"/"on"/non-zero number are true; unset is false.
        private static bool IsTrue(string? v)
        {
            if (string.IsNullOrEmpty(v))
            {
                return false;
            }

            var t = v!.Trim().ToLowerInvariant();
            if (t == "true" || t == "yes" || t == "on")
            {
                return true;
            }

            return long.TryParse(t, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n) && n != 0;
        }
    }
}

using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;

namespace Worktrunk.TestSupport
{
    /// <summary>
    /// A git with the Linux fsmonitor daemon (2.55+), for the real-daemon tests. One setting,
    /// <c>WORKTRUNK_TEST_GIT</c>:
    /// <list type="bullet">
    /// <item>unset: the relocatable build in <c>../shared/tools/git/git-2.55.0-linux-x64.tar.gz</c>
    /// beside the checkout, unpacked once into a cache outside the clone
    /// (<c>$XDG_CACHE_HOME</c> or <c>~/.cache</c>, <c>worktrunk-tests/git-2.55.0</c>);</item>
    /// <item>a path: that git executable (or a directory holding <c>bin/git</c>);</item>
    /// <item><c>off</c>: none (the real-daemon tests skip).</item>
    /// </list>
    /// Unpacking goes to a private temporary folder renamed into place, so concurrent test runs
    /// never see a half-unpacked tree. Nothing here starts a daemon.
    /// </summary>
    public static class RealGit
    {
        public const string Variable = "WORKTRUNK_TEST_GIT";

        private const string Tarball = "git-2.55.0-linux-x64.tar.gz";

        private static readonly Lazy<(string? Path, string? Why)> s_git = new Lazy<(string?, string?)>(Locate);

        /// <summary>The git executable with a Linux fsmonitor daemon, or null (see <see cref="SkipReason"/>).</summary>
        public static string? Executable => s_git.Value.Path;

        /// <summary>The folder holding <see cref="Executable"/> (to put first on PATH), or null.</summary>
        public static string? BinDirectory => Executable == null ? null : Path.GetDirectoryName(Executable);

        /// <summary>Why there is no such git here, saying how to enable the tests; null when there is one.</summary>
        public static string? SkipReason => s_git.Value.Why;

        private static (string?, string?) Locate()
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            {
                return (null, "the real-daemon tests run on Linux only (git's daemon is the inotify backend)");
            }

            var setting = Environment.GetEnvironmentVariable(Variable);
            if (string.Equals(setting, "off", StringComparison.OrdinalIgnoreCase))
            {
                return (null, Variable + "=off");
            }

            if (!string.IsNullOrEmpty(setting))
            {
                var candidate = Directory.Exists(setting) ? Path.Combine(setting!, "bin", "git") : setting!;
                return File.Exists(candidate)
                    ? Check(candidate)
                    : (null, $"{Variable}={setting}: no git executable there");
            }

            var tarball = Path.GetFullPath(Path.Combine(RepoPaths.Root, "..", "shared", "tools", "git", Tarball));
            if (!File.Exists(tarball))
            {
                return (null, $"no git with a Linux fsmonitor daemon: {tarball} is absent; set {Variable} to a git 2.55+ executable to run these tests");
            }

            var cacheRoot = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            if (string.IsNullOrEmpty(cacheRoot))
            {
                cacheRoot = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            }

            var home = Path.Combine(cacheRoot!, "worktrunk-tests", "git-2.55.0");
            var git = Path.Combine(home, "git-2.55", "bin", "git");
            if (!File.Exists(git))
            {
                var staging = home + ".tmp-" + Guid.NewGuid().ToString("N").Substring(0, 8);
                Directory.CreateDirectory(staging);
                var (code, output) = Run("tar", "-xzf", tarball, "-C", staging);
                if (code != 0)
                {
                    TestFiles.DeleteTree(staging);
                    return (null, $"could not unpack {tarball}: {output}");
                }

                try
                {
                    Directory.Move(staging, home);
                }
                catch (IOException) when (File.Exists(git))
                {
                    // Another test run unpacked it first.
                    TestFiles.DeleteTree(staging);
                }
            }

            return Check(git);
        }

        private static (string?, string?) Check(string git)
        {
            var (code, output) = Run(git, "version");
            if (code != 0)
            {
                return (null, $"{git} does not run: {output}");
            }

            // "git version 2.55.0": the daemon exists on Linux from 2.55 on.
            var words = output.Trim().Split(' ');
            var version = words.Length >= 3 ? words[2].Split('.') : Array.Empty<string>();
            if (version.Length < 2 || !int.TryParse(version[0], out var major) || !int.TryParse(version[1], out var minor) || (major, minor).CompareTo((2, 55)) < 0)
            {
                return (null, $"{git} is '{output.Trim()}'; the Linux fsmonitor daemon needs git 2.55 or later");
            }

            return (Path.GetFullPath(git), null);
        }

        /// <summary>
        /// Runs the real git (<see cref="Executable"/>, which must exist) hermetically in
        /// <paramref name="directory"/>; returns its exit code and output. Every daemon it starts
        /// is the caller's to find and register with <see cref="TestProcesses"/>.
        /// </summary>
        public static (int Code, string Stdout, string Stderr) TryGit(string directory, params string[] args)
        {
            Hermetic.Apply();
            var psi = new ProcessStartInfo(Executable ?? throw new InvalidOperationException(SkipReason))
            {
                WorkingDirectory = directory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            foreach (var a in args)
            {
                psi.ArgumentList.Add(a);
            }

            foreach (var kv in Hermetic.Variables)
            {
                psi.Environment[kv.Key] = kv.Value;
            }

            using var p = Process.Start(psi)!;
            p.StandardInput.Close();
            var err = p.StandardError.ReadToEndAsync();
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, output, err.Result);
        }

        /// <summary>Runs the real git; throws with its stderr when it fails.</summary>
        public static string Git(string directory, params string[] args)
        {
            var (code, stdout, stderr) = TryGit(directory, args);
            if (code != 0)
            {
                throw new InvalidOperationException($"git {string.Join(" ", args)} failed ({code}) in {directory}: {stderr}");
            }

            return stdout;
        }

        private static (int, string) Run(string file, params string[] args)
        {
            var psi = new ProcessStartInfo(file)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var a in args)
            {
                psi.ArgumentList.Add(a);
            }

            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, output + err.Result);
        }
    }

    /// <summary>
    /// A fact that needs <see cref="RealGit"/>: skipped, with <see cref="RealGit.SkipReason"/>
    /// (which says how to enable it), where there is no git with the Linux fsmonitor daemon.
    /// </summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class RealGitFactAttribute : Xunit.FactAttribute
    {
        public RealGitFactAttribute()
        {
            if (RealGit.SkipReason != null)
            {
                Skip = RealGit.SkipReason;
            }
        }
    }
}

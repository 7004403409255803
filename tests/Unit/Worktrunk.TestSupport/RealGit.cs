using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using Worktrunk;

namespace Worktrunk.TestSupport
{
    /// <summary>
    /// A git with the Linux fsmonitor daemon (2.55+), for the real-daemon tests. One setting,
    /// <c>WORKTRUNK_TEST_GIT</c>:
    /// <list type="bullet">
    /// <item>unset: the relocatable build in <c>../shared/tools/git/git-2.55.0-linux-x64.tar.gz</c>
    /// beside the checkout (or beside one of its parent directories), unpacked once into a cache outside the clone
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

            // ../shared beside the clone; a worktree of it (/work/wt/<name>) finds it further up.
            var tarball = Path.GetFullPath(Path.Combine(RepoPaths.Root, "..", "shared", "tools", "git", Tarball));
            for (var dir = Directory.GetParent(RepoPaths.Root); dir != null && !File.Exists(tarball); dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared", "tools", "git", Tarball);
                if (File.Exists(candidate))
                {
                    tarball = candidate;
                }
            }

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
        public static (int Code, string Stdout, string Stderr) TryGit(string directory, params string[] args) =>
            GitSandbox.TryGitWith(Executable ?? throw new InvalidOperationException(SkipReason), directory, args);

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

    /// <summary>What the git on PATH (the one the module runs) does with fsmonitor daemons.</summary>
    public static class PathGit
    {
        private static readonly Lazy<bool> s_hasDaemon = new Lazy<bool>(Probe);

        /// <summary>
        /// True when the git on PATH has an fsmonitor daemon here (2.55 on Linux): its IPC stop then
        /// reaches a stand-in as well, which exits (StoppedByIpc) instead of being signalled.
        /// </summary>
        public static bool HasDaemon => s_hasDaemon.Value;

        /// <summary>The outcome of stopping a healthy stand-in whose worktree exists, with the git on PATH.</summary>
        public static WtDaemonStopOutcome HealthyStopOutcome => HasDaemon ? WtDaemonStopOutcome.StoppedByIpc : WtDaemonStopOutcome.Terminated;

        private static bool Probe()
        {
            var dir = Path.Combine(Path.GetTempPath(), "wt-fsm-probe-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            try
            {
                Directory.CreateDirectory(dir);
                GitSandbox.TryGit(dir, "init", "-q");
                var (_, stdout, stderr) = GitSandbox.TryGit(dir, "fsmonitor--daemon", "status");
                var text = stdout + stderr;
                return text.IndexOf("not supported", StringComparison.Ordinal) < 0 && text.IndexOf("is not a git command", StringComparison.Ordinal) < 0;
            }
            finally
            {
                TestFiles.DeleteTree(dir);
            }
        }
    }

    /// <summary>
    /// A real `git fsmonitor--daemon` (git 2.55, <see cref="RealGit"/>) a test started, registered
    /// with the test's <see cref="TestProcesses"/> so it is killed by PID at the end. Its PID is
    /// found from its own socket only (the listening socket bound at
    /// &lt;git-dir&gt;/fsmonitor--daemon.ipc in /proc/net/unix, then the `git` process holding that
    /// socket inode): no other process is looked at beyond its comm and descriptor links, and
    /// none is ever signalled here.
    /// </summary>
    public sealed class RealDaemon
    {
        private RealDaemon(int pid, string worktree, string gitDir)
        {
            Pid = pid;
            Worktree = worktree;
            GitDir = gitDir;
        }

        public int Pid { get; }

        public string Worktree { get; }

        /// <summary>The worktree's git dir, canonical, where the socket is.</summary>
        public string GitDir { get; }

        public string SocketPath => Path.Combine(GitDir, "fsmonitor--daemon.ipc");

        public bool IsAlive => TestProcesses.IsAlive(Pid);

        /// <summary>True while the process is stopped (SIGSTOP).</summary>
        public bool IsStopped
        {
            get
            {
                try
                {
                    var stat = File.ReadAllText($"/proc/{Pid}/stat");
                    return stat[stat.LastIndexOf(')') + 2] == 'T';
                }
                catch (IOException)
                {
                    return false;
                }
            }
        }

        /// <summary>Starts the daemon of <paramref name="worktree"/> with `git fsmonitor--daemon start` and tracks it.</summary>
        public static RealDaemon Start(string worktree, TestProcesses procs)
        {
            RealGit.Git(worktree, "fsmonitor--daemon", "start");
            var gitDir = Worktrunk.IO.PathUtil.Canonicalize(RealGit.Git(worktree, "rev-parse", "--absolute-git-dir").Trim());
            var socket = Path.Combine(gitDir, "fsmonitor--daemon.ipc");
            var pid = ListenerOf(socket) ?? throw new InvalidOperationException("git fsmonitor--daemon start returned, but no process listens on " + socket);
            procs.Track(pid);
            return new RealDaemon(pid, worktree, gitDir);
        }

        /// <summary>SIGSTOPs the daemon (a wedged daemon) and waits until the kernel shows it stopped.</summary>
        public void Wedge()
        {
            if (kill(Pid, 19) != 0 || !TestProcesses.WaitUntil(() => IsStopped, TimeSpan.FromSeconds(30)))
            {
                throw new InvalidOperationException("could not SIGSTOP daemon " + Pid);
            }
        }

        /// <summary>The PID of the `git` process listening on exactly <paramref name="socketPath"/>, or null.</summary>
        public static int? ListenerOf(string socketPath)
        {
            string? inode = null;
            foreach (var line in File.ReadAllLines("/proc/net/unix"))
            {
                // Num RefCount Protocol Flags Type St Inode Path; listening: Flags 00010000, St 01.
                var f = line.Split(new[] { ' ' }, 8, StringSplitOptions.RemoveEmptyEntries);
                if (f.Length == 8 && f[3] == "00010000" && f[5] == "01" && f[7] == socketPath)
                {
                    inode = f[6];
                }
            }

            if (inode == null)
            {
                return null;
            }

            var link = "socket:[" + inode + "]";
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out var pid))
                {
                    continue;
                }

                try
                {
                    if (File.ReadAllText(Path.Combine(dir, "comm")).Trim() != "git")
                    {
                        continue;
                    }

                    foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Combine(dir, "fd")))
                    {
                        if (new FileInfo(fd).LinkTarget == link)
                        {
                            return pid;
                        }
                    }
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                }
            }

            return null;
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int kill(int pid, int sig);
    }
}

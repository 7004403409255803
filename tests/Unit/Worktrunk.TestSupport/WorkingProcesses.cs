using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Worktrunk.Processes;

namespace Worktrunk.TestSupport
{
    /// <summary>
    /// Real processes working in a directory, for Get-WtWorktreeProcess and -StopProcess tests: each is
    /// registered with <see cref="TestProcesses"/> (killed by PID at the end) before anything waits on it.
    /// </summary>
    internal static class WorkingProcesses
    {
        /// <summary>Starts <paramref name="argv"/> with <paramref name="cwd"/> as its working directory, in its own process group, no terminal.</summary>
        internal static int Start(TestProcesses procs, string cwd, params string[] argv)
        {
            var child = UnixSpawn.Spawn(new SpawnOptions(argv[0], argv.Skip(1).ToArray()) { WorkingDirectory = cwd, Stdout = StdioMode.Null, Stderr = StdioMode.Null });
            return procs.Track(child.Pid, group: true);
        }

        /// <summary>A `sleep 3600` working in <paramref name="cwd"/>.</summary>
        internal static int Sleep(TestProcesses procs, string cwd) => Start(procs, cwd, "sleep", "3600");

        /// <summary>
        /// A shell started in <paramref name="startIn"/> that changes into <paramref name="target"/> and
        /// then becomes `sleep 3600`; returns once its working directory is <paramref name="target"/>.
        /// </summary>
        internal static int ChdirInto(TestProcesses procs, string startIn, string target)
        {
            var pid = Start(procs, startIn, "sh", "-c", "cd \"$1\" && exec sleep 3600", "sh", target);
            WaitForCwd(pid, target);
            return pid;
        }

        /// <summary>
        /// A `sleep 3600` with a controlling terminal in <paramref name="cwd"/>: util-linux `script`
        /// (started outside, in <paramref name="startIn"/>) opens a pseudo-terminal, makes it the
        /// controlling terminal of a new session and runs the command there. Both the script process
        /// and the sleep are registered. Returns the sleep's PID, or null when `script` is missing.
        /// </summary>
        internal static int? WithTerminal(TestProcesses procs, string startIn, string cwd)
        {
            if (!File.Exists("/usr/bin/script") && !File.Exists("/bin/script"))
            {
                return null;
            }

            var script = Start(procs, startIn, "script", "-qfc", "cd " + CommandLine.Quote(cwd) + " && exec sleep 3600", "/dev/null");
            int? sleep = null;
            if (!TestProcesses.WaitUntil(() => (sleep = ChildOf(script)) != null && Cwd(sleep.Value) == Canonical(cwd), TimeSpan.FromSeconds(20)))
            {
                throw new InvalidOperationException("script did not start its command in " + cwd);
            }

            procs.Track(sleep!.Value);
            return sleep;
        }

        /// <summary>Waits (bounded) until the process's working directory is <paramref name="dir"/>.</summary>
        internal static void WaitForCwd(int pid, string dir)
        {
            if (!TestProcesses.WaitUntil(() => Cwd(pid) == Canonical(dir), TimeSpan.FromSeconds(20)))
            {
                throw new InvalidOperationException($"PID {pid} never worked in {dir} (it is in {Cwd(pid)})");
            }
        }

        internal static string? Cwd(int pid)
        {
            try
            {
                return new FileInfo($"/proc/{pid}/cwd").LinkTarget;
            }
            catch (IOException)
            {
                return null;
            }
            catch (UnauthorizedAccessException)
            {
                return null;
            }
        }

        internal static string Canonical(string path) => IO.PathUtil.Canonicalize(path);

        /// <summary>The parent PID of <paramref name="pid"/> from /proc, or 0.</summary>
        internal static int ParentOf(int pid)
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                return int.Parse(stat.Substring(stat.LastIndexOf(')') + 2).Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is IOException || e is FormatException || e is UnauthorizedAccessException)
            {
                return 0;
            }
        }

        /// <summary>The test process and its ancestors (read independently of the code under test).</summary>
        internal static HashSet<int> SelfAndAncestors()
        {
            var set = new HashSet<int>();
            var pid = Environment.ProcessId;
            while (pid > 0 && set.Add(pid))
            {
                pid = ParentOf(pid);
            }

            return set;
        }

        private static int? ChildOf(int parent)
        {
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (int.TryParse(Path.GetFileName(dir), out var pid) && ParentOf(pid) == parent)
                {
                    return pid;
                }
            }

            return null;
        }
    }
}

// Starts stand-in fsmonitor daemons (this folder's Program.cs) for tests and benchmarks. Linked
// as source into Worktrunk.Core.Tests, Worktrunk.PowerShell.Tests and Worktrunk.Benchmarks.
// Every process started here is registered with the caller's TestProcesses, which kills it by
// PID (and its process group, which it leads: it starts in a new session) when the test ends.
// Nothing here signals anything else.

using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Worktrunk.Processes;
using Worktrunk.TestSupport;

namespace Worktrunk.StandIn
{
    /// <summary>Behaviours of a stand-in daemon.</summary>
    [Flags]
    public enum StandInMode
    {
        /// <summary>Listens; exits on IPC quit; SIGTERM kills it.</summary>
        Default = 0,

        /// <summary>Ignores SIGTERM.</summary>
        IgnoreTerm = 1,

        /// <summary>Binds no socket at all.</summary>
        NoSocket = 2,

        /// <summary>Accepts connections and never answers (IPC stop is ignored).</summary>
        Wedged = 4,
    }

    /// <summary>A running stand-in.</summary>
    public sealed class StandInProcess
    {
        internal StandInProcess(int pid, string? socketPath)
        {
            Pid = pid;
            SocketPath = socketPath;
        }

        public int Pid { get; }

        public string? SocketPath { get; }

        public bool IsAlive => TestProcesses.IsAlive(Pid);

        public override string ToString() => "stand-in PID " + Pid + " (" + SocketPath + ")";
    }

    /// <summary>Starts stand-ins with argv `git fsmonitor--daemon run` (or any other argv, for decoys).</summary>
    public static class StandInLauncher
    {
        private static readonly Lazy<string> s_appHost = new Lazy<string>(FindAppHost);

        [DllImport("libc", SetLastError = true)]
        private static extern int waitpid(int pid, out int status, int options);

        /// <summary>The stand-in's native launcher (apphost) built by the solution.</summary>
        public static string AppHost => s_appHost.Value;

        /// <summary>
        /// Starts a stand-in listening on <paramref name="socketPath"/> (none for NoSocket), with
        /// argv[0] = <paramref name="argv0"/> and the given arguments (default: fsmonitor--daemon run),
        /// and waits until the socket accepts connections.
        /// </summary>
        public static StandInProcess Start(TestProcesses procs, string? socketPath, StandInMode mode = StandInMode.Default, string argv0 = "git", IReadOnlyList<string>? args = null, TimeSpan? readyTimeout = null)
        {
            var options = new SpawnOptions(AppHost, args ?? new[] { "fsmonitor--daemon", "run" })
            {
                Argv0 = argv0,
                NewSession = true,
                Stdout = StdioMode.Null,
                Stderr = StdioMode.Null,
            };
            options.Environment["WT_STANDIN_SOCKET"] = (mode & StandInMode.NoSocket) != 0 ? null : socketPath;
            var modes = new List<string>();
            if ((mode & StandInMode.IgnoreTerm) != 0)
            {
                modes.Add("ignore-term");
            }

            if ((mode & StandInMode.NoSocket) != 0)
            {
                modes.Add("no-socket");
            }

            if ((mode & StandInMode.Wedged) != 0)
            {
                modes.Add("wedged");
            }

            options.Environment["WT_STANDIN_MODE"] = string.Join(",", modes);

            // The stand-in exits when this process dies without stopping it (an aborted run).
            options.Environment["WT_STANDIN_PARENT"] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
            options.Environment["DOTNET_EnableDiagnostics"] = "0";
            options.Environment["DOTNET_gcServer"] = "0";
            options.Environment["DOTNET_GCHeapHardLimit"] = "0x2000000";

            var child = UnixSpawn.Spawn(options);
            procs.Track(child.Pid, group: true);
            var standIn = new StandInProcess(child.Pid, (mode & StandInMode.NoSocket) != 0 ? null : socketPath);
            var timeout = readyTimeout ?? TimeSpan.FromSeconds(60);
            if ((mode & StandInMode.NoSocket) != 0)
            {
                // Ready once the runtime is up: give it the same chance to bind something it never will.
                TestProcesses.WaitUntil(() => ArgvIsSet(child.Pid), timeout);
                return standIn;
            }

            if (!TestProcesses.WaitUntil(() => Accepts(socketPath!) || !TestProcesses.IsAlive(child.Pid), timeout) || !TestProcesses.IsAlive(child.Pid))
            {
                throw new InvalidOperationException("The stand-in daemon did not start listening on " + socketPath + " within " + timeout);
            }

            return standIn;
        }

        /// <summary>True when something accepts a connection on the socket.</summary>
        public static bool Accepts(string socketPath)
        {
            try
            {
                using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                s.Connect(new UnixDomainSocketEndPoint(socketPath));
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }

        /// <summary>Sends git's IPC `quit` (pkt-line + flush), as `git fsmonitor--daemon stop` does.</summary>
        public static void SendQuit(string socketPath)
        {
            using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            s.Connect(new UnixDomainSocketEndPoint(socketPath));
            s.Send(System.Text.Encoding.ASCII.GetBytes("0008quit0000"));
        }

        /// <summary>Waits (bounded) for our exited child and reaps it, so no zombie lingers.</summary>
        public static bool WaitExited(int pid, TimeSpan timeout)
        {
            var gone = TestProcesses.WaitUntil(() => !TestProcesses.IsAlive(pid), timeout);
            waitpid(pid, out _, 1);
            return gone;
        }

        private static bool ArgvIsSet(int pid)
        {
            try
            {
                return File.ReadAllText("/proc/" + pid + "/cmdline").Contains("fsmonitor--daemon", StringComparison.Ordinal);
            }
            catch (IOException)
            {
                return false;
            }
        }

        private static string FindAppHost()
        {
            string? best = null;
            var bestTime = DateTime.MinValue;
            foreach (var config in new[] { "debug", "release" })
            {
                var path = Path.Combine(RepoPaths.Root, "artifacts", "bin", "Worktrunk.StandInDaemon", config, "Worktrunk.StandInDaemon");
                if (File.Exists(path) && File.GetLastWriteTimeUtc(path) > bestTime)
                {
                    best = path;
                    bestTime = File.GetLastWriteTimeUtc(path);
                }
            }

            return best ?? throw new InvalidOperationException("The stand-in daemon is not built; run `dotnet build Worktrunk.sln`.");
        }
    }
}

using System.Collections.Generic;

namespace Worktrunk.Daemons
{
    /// <summary>How discovery found the daemons.</summary>
    internal enum DiscoveryMethod
    {
        /// <summary>/proc where it can be read, else pgrep + lsof (Unix) or named pipes (Windows).</summary>
        Auto,

        /// <summary>Linux: /proc/&lt;pid&gt;/cmdline, /proc/&lt;pid&gt;/fd and /proc/net/unix; spawns nothing.</summary>
        ProcFs,

        /// <summary>`pgrep -f` plus one batched `lsof -a -p &lt;pids&gt; -U -F pn` (macOS, or Linux without a readable /proc).</summary>
        PgrepLsof,

        /// <summary>Windows: the fsmonitor named pipes and their server processes.</summary>
        NamedPipes,
    }

    /// <summary>How one daemon was attributed to its socket.</summary>
    internal enum DiscoveredBy
    {
        /// <summary>The process scan: argv of every process, then the candidates' descriptors (or lsof, or a named pipe's server).</summary>
        ProcessScan,

        /// <summary>Linux: a connection to the socket named its listener (SO_PEERCRED / SO_PEERPIDFD), then proven by argv, descriptor and identity.</summary>
        SocketPeer,
    }

    /// <summary>A process proven to be a running fsmonitor daemon holding an fsmonitor socket.</summary>
    internal sealed class DiscoveredDaemon
    {
        internal DiscoveredDaemon(ProcessIdentity identity, IReadOnlyList<string>? argv, string? socketPath, DiscoveredBy by = DiscoveredBy.ProcessScan, int inotifyFd = -2)
        {
            InotifyFd = inotifyFd;
            Identity = identity;
            Argv = argv;
            SocketPath = socketPath;
            By = by;
        }

        /// <summary>Gets its inotify descriptor as the /proc walk saw it: -1 none, -2 not looked at (lsof, named pipes).</summary>
        internal int InotifyFd { get; }

        /// <summary>Gets how it was attributed (tests and -Debug output).</summary>
        internal DiscoveredBy By { get; }

        internal ProcessIdentity Identity { get; }

        internal int Pid => Identity.Pid;

        /// <summary>The argument vector when it could be read (Linux); null when only pgrep matched it.</summary>
        internal IReadOnlyList<string>? Argv { get; }

        /// <summary>The socket path as the kernel (or lsof) reports it; the bare file name when its directory is gone (macOS); a pipe name mapped back to a path on Windows.</summary>
        internal string? SocketPath { get; }

        internal string CommandLine => Argv == null ? "git fsmonitor--daemon run (matched by pgrep)" : string.Join(" ", Argv);
    }
}

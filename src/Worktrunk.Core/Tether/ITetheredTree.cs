using System;

namespace Worktrunk.Tether
{
    /// <summary>
    /// A started command and everything it spawns, as the supervise loop sees it. Unix: a process
    /// group led by the command (<see cref="UnixGroupTree"/>). Windows: a Job Object holding the
    /// command (<see cref="WindowsJobTree"/>). Tests use fakes to pin the loop's decisions.
    /// </summary>
    internal interface ITetheredTree : IDisposable
    {
        /// <summary>The command's process id.</summary>
        int ProcessId { get; }

        /// <summary>The group id Worktrunk signals (Unix: the command's PID; Windows: the same PID, naming the console process group).</summary>
        int ProcessGroupId { get; }

        /// <summary>Non-blocking: true once the command itself has exited. Does not collect its status (Unix: the zombie keeps the group id from being recycled).</summary>
        bool HasExited();

        /// <summary>
        /// Polite stop, then force, bounded: SIGTERM to the group (Windows: CTRL_BREAK), a wait that
        /// ends as soon as nothing of the tree is alive or after <paramref name="grace"/>, then
        /// SIGKILL (Windows: TerminateJobObject). Also the final sweep after the command exited on
        /// its own; cheap when nothing is left. Safe to call more than once. Returns what happened,
        /// for people ("nothing was left", "everything exited after SIGTERM", "SIGKILL after the grace period").
        /// </summary>
        string TearDown(TimeSpan grace);

        /// <summary>Collects the command's status after it exited or was torn down (bounded); exactly one of the outputs is set unless it cannot be collected.</summary>
        void CollectStatus(out int? exitCode, out int? signal);
    }
}

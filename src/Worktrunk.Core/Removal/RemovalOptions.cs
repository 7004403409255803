using Worktrunk.Diagnostics;

namespace Worktrunk.Removal
{
    /// <summary>What happens to a removed worktree's branch.</summary>
    internal enum BranchMode
    {
        /// <summary>Delete it only when it is integrated into the default branch (the default).</summary>
        SafeDelete,

        /// <summary>Never delete it (-KeepBranch).</summary>
        Keep,

        /// <summary>Delete it whatever it holds (-ForceDeleteBranch): `git branch -D`.</summary>
        ForceDelete,
    }

    /// <summary>The switches of one Remove-WtWorktree invocation, validated.</summary>
    internal sealed class RemovalOptions
    {
        internal RemovalOptions(bool force, BranchMode mode, bool wait, bool stopProcess = false)
        {
            Force = force;
            Mode = mode;
            Wait = wait;
            StopProcess = stopProcess;
        }

        /// <summary>Lifts the dirty gate, and nothing else.</summary>
        internal bool Force { get; }

        internal BranchMode Mode { get; }

        /// <summary>Delete the staged directory in-process before returning, instead of in the background.</summary>
        internal bool Wait { get; }

        /// <summary>-StopProcess: before the last-moment gate, stop the worktree's processes that have no controlling terminal (Processes/WorktreeProcesses).</summary>
        internal bool StopProcess { get; }

        /// <summary>Builds the options; -KeepBranch with -ForceDeleteBranch is a ConflictingBranchOptions error.</summary>
        internal static RemovalOptions FromFlags(bool force, bool keepBranch, bool forceDeleteBranch, bool wait, bool stopProcess = false)
        {
            if (stopProcess && (Interop.Platform.IsWindows || (Interop.Platform.IsLinux && !Processes.ProcFs.Available)))
            {
                // As the reference refuses `--reap` on Windows: before anything is planned, nothing changed.
                throw Processes.WorktreeProcesses.NotSupported();
            }

            if (keepBranch && forceDeleteBranch)
            {
                throw new WorktrunkException(
                    ErrorIds.ConflictingBranchOptions,
                    ErrorKind.InvalidArgument,
                    "-KeepBranch and -ForceDeleteBranch cannot be used together: one keeps the branch, the other deletes it whatever it holds. Nothing was removed.",
                    null,
                    "Pass -KeepBranch to keep the branch, or -ForceDeleteBranch to delete it even if it is not merged.");
            }

            return new RemovalOptions(force, keepBranch ? BranchMode.Keep : forceDeleteBranch ? BranchMode.ForceDelete : BranchMode.SafeDelete, wait, stopProcess);
        }
    }
}

namespace Worktrunk.Diagnostics
{
    /// <summary>Error ids of Start-WtTether (see docs/help/Start-WtTether.md, NOTES).</summary>
    internal static partial class ErrorIds
    {
        /// <summary>The tethered command exited non-zero or was ended by a signal Worktrunk did not send (non-terminating; $LASTEXITCODE is set).</summary>
        internal const string TetheredCommandFailed = nameof(TetheredCommandFailed);

        /// <summary>-Detach found no PowerShell host to run the supervisor.</summary>
        internal const string TetherHostNotFound = nameof(TetherHostNotFound);

        /// <summary>A detached supervisor exited, or did not report, before its command was running; nothing is left running.</summary>
        internal const string TetherSupervisorFailed = nameof(TetherSupervisorFailed);

        /// <summary>The hidden supervisor payload could not be decoded.</summary>
        internal const string TetherSpecInvalid = nameof(TetherSpecInvalid);

        /// <summary>-FilePath (or the command after --) names a directory, not a program. Nothing is started.</summary>
        internal const string CommandIsDirectory = nameof(CommandIsDirectory);

        /// <summary>-Detach: the worktree was removed and recreated at its path between Start-WtTether and its supervisor coming up; the command was not started.</summary>
        internal const string TetherWorktreeReplaced = nameof(TetherWorktreeReplaced);
    }
}

namespace Worktrunk.Diagnostics
{
    /// <summary>Error ids of Get-WtWorktreeProcess and Remove-WtWorktree -StopProcess (see docs/help/Get-WtWorktreeProcess.md, NOTES).</summary>
    internal static partial class ErrorIds
    {
        /// <summary>
        /// This platform cannot tell the working directory of other processes without reading their
        /// memory (Windows: the PEB), or Linux has no /proc mounted. Nothing was listed or stopped.
        /// </summary>
        internal const string WorktreeProcessesNotSupported = nameof(WorktreeProcessesNotSupported);

        /// <summary>macOS: `lsof -d cwd` could not be run or did not finish within its bound; nothing was listed.</summary>
        internal const string ProcessListingFailed = nameof(ProcessListingFailed);
    }
}

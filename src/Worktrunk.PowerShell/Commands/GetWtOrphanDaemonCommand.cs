using System;
using System.Management.Automation;
using Worktrunk.Daemons;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.PowerShell.Internal;

namespace Worktrunk.PowerShell.Commands
{
    /// <summary>
    /// <para type="synopsis">Lists git fsmonitor daemons that provably serve no live worktree (read-only).</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "WtOrphanDaemon")]
    [OutputType(typeof(WtFsmonitorDaemon))]
    public sealed class GetWtOrphanDaemonCommand : WorktrunkCmdlet
    {
        /// <summary>Gets or sets a path inside the repository whose orphans to list; defaults to the session's current location.</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Repository { get; set; }

        /// <summary>Gets or sets a value indicating whether live and unknown daemons (of any repository) are listed too.</summary>
        [Parameter]
        public SwitchParameter IncludeLive { get; set; }

        /// <inheritdoc/>
        protected override void EndProcessing()
        {
            try
            {
                var git = Git;
                var shown = DaemonInventory.View(LocateScope(this, Repository, git), git, IncludeLive.IsPresent);
                Sink.Drain();
                WriteObject(shown, enumerateCollection: true);
            }
            catch (OperationCanceledException)
            {
            }
            catch (WorktrunkException e)
            {
                ThrowTerminating(e);
            }
        }

        /// <summary>
        /// The repository asked about: -Repository (which must be one), else the session's location
        /// when it lies in a repository, else none (only repository-independent orphans are listed).
        /// </summary>
        internal static RepositoryLocation? LocateScope(WorktrunkCmdlet cmdlet, string? repository, GitRunner git)
        {
            if (repository != null)
            {
                return RepositoryLocator.Locate(cmdlet.ResolveDirectory(repository, "Repository"), git);
            }

            var here = cmdlet.CurrentFileSystemLocation();
            if (here == null)
            {
                return null;
            }

            try
            {
                return RepositoryLocator.Locate(here, git);
            }
            catch (WorktrunkException e) when (e.ErrorId == ErrorIds.NotARepository || e.ErrorId == ErrorIds.PathNotFound)
            {
                cmdlet.Sink.Verbose("'" + here + "' is not in a repository: listing only daemons whose git dir is gone.");
                return null;
            }
        }
    }
}

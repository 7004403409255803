using Worktrunk.Daemons;
using Worktrunk.Diagnostics;
using Worktrunk.Git;

namespace Worktrunk.Operations
{
    /// <summary>
    /// Get-WtOrphanDaemon: which repository is asked about, then the daemons to show
    /// (DaemonInventory.View: this repository's orphans, and orphans whose repository is gone;
    /// with <c>includeLive</c> every daemon of any repository). Read-only: nothing is signalled.
    /// The scope is the given directory's repository (a directory outside any repository is an
    /// error), else the session's location when it lies in a repository, else none: then only
    /// daemons whose git dir is gone are listed (a verbose line says so).
    /// </summary>
    internal static class OrphanDaemonListing
    {
        internal static void Run(string? repositoryDirectory, bool includeLive, IOperationHost host)
        {
            var git = new GitRunner(host.Sink, host.Cancellation);
            foreach (var d in DaemonInventory.View(Scope(repositoryDirectory, git, host), git, includeLive))
            {
                host.Output(d);
            }
        }

        private static RepositoryLocation? Scope(string? repositoryDirectory, GitRunner git, IOperationHost host)
        {
            if (repositoryDirectory != null)
            {
                return RepositoryLocator.Locate(repositoryDirectory, git);
            }

            var here = host.CurrentLocation;
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
                host.Sink.Verbose("'" + here + "' is not in a repository: listing only daemons whose git dir is gone.");
                return null;
            }
        }
    }
}

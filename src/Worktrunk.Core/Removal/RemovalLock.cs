// Contract: the repository's removal lock, <common>/wt/remove.lock. Every removal holds it from
// its re-checks to the end of its unregister, so two removals of the same worktree (two sessions,
// two agents) cannot both stage it: the second one re-reads the registration under the lock and
// finds it gone (RemovalRaced). The lock is an OS file lock (FileShare.None: flock(2) on Unix, a
// share-mode lock on Windows), so a process killed while holding it releases it at once; the
// lock file itself is never deleted (deleting a lock file races its next holder). Waiting is
// bounded; holding it never spans anything unbounded (the daemon stop is bounded).

using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using Worktrunk.Diagnostics;
using Worktrunk.Trash;

namespace Worktrunk.Removal
{
    /// <summary>An acquired removal lock; dispose to release.</summary>
    internal sealed class RemovalLock : IDisposable
    {
        private readonly FileStream _stream;

        private RemovalLock(FileStream stream)
        {
            _stream = stream;
        }

        internal static string PathFor(string commonDir) => Path.Combine(TrashPaths.StateDir(commonDir), "remove.lock");

        /// <summary>Takes the lock, waiting up to <paramref name="timeout"/>; throws RemovalFailed when it cannot.</summary>
        internal static RemovalLock Acquire(string commonDir, TimeSpan timeout, CancellationToken cancellation)
        {
            var path = PathFor(commonDir);
            var clock = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    return new RemovalLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
                }
                catch (IOException) when (clock.Elapsed < timeout && !cancellation.IsCancellationRequested)
                {
                    Thread.Sleep(15);
                }
                catch (IOException) when (cancellation.IsCancellationRequested)
                {
                    throw new WorktrunkException(ErrorIds.CommandStopped, ErrorKind.OperationStopped, "Stopped while waiting for the removal lock; nothing was changed.", path);
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    throw new WorktrunkException(
                        ErrorIds.RemovalFailed,
                        ErrorKind.ResourceBusy,
                        $"Cannot take the removal lock '{path}': {e.Message}. Nothing was changed.",
                        path,
                        "Another removal in this repository may be stuck; try again.",
                        e);
                }
            }
        }

        public void Dispose() => _stream.Dispose();
    }
}

// Contract: the repository's removal lock. Every removal holds it from its re-checks to the end
// of its unregister, so two removals of the same worktree (two sessions, two agents) cannot both
// stage it: the second one re-reads the registration under the lock and finds it gone
// (RemovalRaced).
// Unix: flock(2) on an O_RDONLY|O_DIRECTORY|O_CLOEXEC descriptor of the common directory itself
//   (opened by its canonical path, where the safe filesystem layer's trust starts). No file or
//   directory is created, so a removal refused after taking the lock leaves nothing new behind,
//   and no symlinked <common>/wt can redirect it; git does not flock its directory, so nothing
//   else contends. The lock belongs to the open file description: released when disposed or when
//   the process dies (close-on-exec, so no child inherits it).
// Windows: an OS share-mode lock (FileShare.None) on <common>/wt/remove.lock, which is created
//   if missing and never deleted (deleting a lock file races its next holder); the state folder
//   is created through the safe layer (path based there). Compiled only.
// Waiting is bounded and Ctrl+C honoured (polling every 15 ms); holding it never spans anything
// unbounded (the daemon stop is bounded).

using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using Worktrunk.Diagnostics;
using Worktrunk.Interop;
using Worktrunk.IO;
using Worktrunk.Trash;

namespace Worktrunk.Removal
{
    /// <summary>An acquired removal lock; dispose to release.</summary>
    internal sealed class RemovalLock : IDisposable
    {
        private readonly FileStream? _stream;
        private SafeDirectory? _directory;

        private RemovalLock(FileStream? stream, SafeDirectory? directory)
        {
            _stream = stream;
            _directory = directory;
        }

        /// <summary>The Windows lock file.</summary>
        internal static string PathFor(string commonDir) => Path.Combine(TrashPaths.StateDir(commonDir), "remove.lock");

        /// <summary>Takes the lock, waiting up to <paramref name="timeout"/>; throws RemovalFailed when it cannot.</summary>
        internal static RemovalLock Acquire(string commonDir, TimeSpan timeout, CancellationToken cancellation) =>
            Platform.IsWindows ? AcquireWindows(commonDir, timeout, cancellation) : AcquireUnix(commonDir, timeout, cancellation);

        private static RemovalLock AcquireUnix(string commonDir, TimeSpan timeout, CancellationToken cancellation)
        {
            SafeDirectory directory;
            try
            {
                directory = SafeDirectory.OpenRoot(commonDir);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw Failed(commonDir, e.Message, e);
            }

            var clock = Stopwatch.StartNew();
            try
            {
                while (true)
                {
                    if (Libc.flock(directory.Fd, Libc.LOCK_EX | Libc.LOCK_NB) == 0)
                    {
                        return new RemovalLock(null, directory);
                    }

                    var errno = Libc.Errno;
                    if (errno == Libc.EINTR)
                    {
                        continue;
                    }

                    if (errno != Libc.Fs.EWouldBlock)
                    {
                        throw Failed(commonDir, Processes.UnixSpawn.Describe(errno), null);
                    }

                    if (cancellation.IsCancellationRequested)
                    {
                        throw Stopped(commonDir);
                    }

                    if (clock.Elapsed >= timeout)
                    {
                        throw Failed(commonDir, "another removal holds it", null);
                    }

                    Thread.Sleep(15);
                }
            }
            catch
            {
                directory.Dispose();
                throw;
            }
        }

        private static RemovalLock AcquireWindows(string commonDir, TimeSpan timeout, CancellationToken cancellation)
        {
            var path = PathFor(commonDir);
            var clock = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    SafeDirectory.Open(commonDir, true, TrashPaths.StateName)!.Dispose();
                    return new RemovalLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None), null);
                }
                catch (IOException) when (clock.Elapsed < timeout && !cancellation.IsCancellationRequested)
                {
                    Thread.Sleep(15);
                }
                catch (IOException) when (cancellation.IsCancellationRequested)
                {
                    throw Stopped(path);
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    throw Failed(path, e.Message, e);
                }
            }
        }


        private static WorktrunkException Stopped(string target) =>
            new WorktrunkException(ErrorIds.CommandStopped, ErrorKind.OperationStopped, "Stopped while waiting for the removal lock; nothing was changed.", target);

        private static WorktrunkException Failed(string target, string why, Exception? inner) => new WorktrunkException(
            ErrorIds.RemovalFailed,
            ErrorKind.ResourceBusy,
            $"Cannot take the removal lock of '{target}': {why}. Nothing was changed.",
            target,
            "Another removal in this repository may be stuck; try again.",
            inner);

        public void Dispose()
        {
            _stream?.Dispose();
            var directory = _directory;
            _directory = null;

            // Closing the descriptor releases the flock.
            directory?.Dispose();
        }
    }
}

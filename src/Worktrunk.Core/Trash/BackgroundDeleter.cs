// Contract: deletes trash entries, and nothing else: no file outside the entries named is ever
// deleted, whatever symlinks are planted or swapped in.
// Guarantees
//   * Only direct children of a repository's trash folder (<common>/wt/trash/<entry>, compared
//     by name, never by resolving links) are accepted; any other path is refused before anything
//     runs (NotATrashEntry). The trash folder is then opened through the safe filesystem layer
//     (IO/SafeDirectory: <common>/wt and wt/trash real directories of this user, never followed),
//     and each entry must be a real directory of this user in that open folder; a link, a file or
//     another user's entry is refused (RepositoryPathIsSymlink, RepositoryPathNotADirectory,
//     RepositoryPathNotOwned) and nothing is started. A missing entry is skipped.
//   * In-process deletion (DeleteInProcess, -Wait) walks by directory descriptors (IO/SafeDelete:
//     openat O_NOFOLLOW, unlinkat relative to the holding directory), so a directory swapped for a
//     symlink during the walk only loses the link. It counts files and bytes, reports progress
//     every 500 files, stops early on cancellation and never throws for a single entry it cannot
//     delete (it reports what remained).
//   * Background deletion (Start) gets the same guarantee without a path: `[ionice -c 3] nice -n
//     19 rm -rf -- <entry names>` is spawned (Processes/UnixSpawn, no shell) with its working
//     directory set to the already-opened trash folder's descriptor (posix_spawn fchdir action)
//     and the entries' bare names as arguments, so nothing is resolved through <common>/wt again;
//     GNU rm's fts removes a root that is a link as the link itself and descends with openat
//     O_NOFOLLOW, checking each directory it enters (BSD rm's fts on macOS checks dev/ino on every
//     chdir). Its output goes to the log, opened through the safe layer (O_NOFOLLOW, 0600).
//   * Detached: rm starts in a new session (immune to the terminal's hang-up), at the lowest CPU
//     and I/O priority, and outlives the PowerShell session; a background thread of this process
//     waits for it (no zombie while we live; init reaps it after we exit).
// Signal discipline: signals nothing.
// Platform: Linux (glibc 2.29+ for posix_spawn_file_actions_addfchdir_np) and macOS (taskpolicy -b
//   for priority; compiled, not run here). Windows: no shell either (cmd's `rd` expanded %VAR% in
//   directory names): the entries are deleted in-process on a background thread with the managed
//   walk (reparse points removed, never followed); whatever is left when the session ends stays in
//   the trash for the stale-trash sweep. Compiled and logic-tested only.

using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using Worktrunk.Diagnostics;
using Worktrunk.Interop;
using Worktrunk.IO;
using Worktrunk.Processes;

namespace Worktrunk.Trash
{
    /// <summary>What an in-process deletion removed.</summary>
    internal readonly struct DeletionStats
    {
        internal DeletionStats(long files, long bytes, int failures)
        {
            Files = files;
            Bytes = bytes;
            Failures = failures;
        }

        internal long Files { get; }

        internal long Bytes { get; }

        /// <summary>Entries that could not be deleted (left in place).</summary>
        internal int Failures { get; }
    }

    /// <summary>Deletes trash entries, detached in the background or in-process with progress.</summary>
    internal static class BackgroundDeleter
    {
        /// <summary>
        /// Starts a detached, low-priority deletion of <paramref name="entries"/> (each must be a
        /// direct child of <paramref name="commonDir"/>/wt/trash; <paramref name="logFile"/> a file of
        /// <paramref name="commonDir"/>/wt/logs). Returns as soon as it is started; the deletion
        /// itself continues after this process exits.
        /// </summary>
        internal static void Start(string commonDir, IReadOnlyList<string> entries, string logFile, IDiagnosticSink sink) =>
            Start(commonDir, entries, logFile, sink, null);

        /// <summary>As above; <paramref name="beforeSpawn"/> (tests) runs after every check, just before rm starts.</summary>
        internal static int Start(string commonDir, IReadOnlyList<string> entries, string logFile, IDiagnosticSink sink, Action? beforeSpawn)
        {
            if (entries.Count == 0)
            {
                return 0;
            }

            var names = new List<string>();
            foreach (var e in entries)
            {
                names.Add(EnsureTrashEntry(commonDir, e));
            }

            var logName = Path.GetFileName(logFile);
            if (!string.Equals(PathUtil.TrimEnd(Path.GetFullPath(Path.GetDirectoryName(Path.GetFullPath(logFile))!)), PathUtil.TrimEnd(Path.GetFullPath(TrashPaths.LogsDir(commonDir))), PathUtil.Comparison))
            {
                throw new ArgumentException($"The deletion log '{logFile}' must be a file of {TrashPaths.LogsDir(commonDir)}.", nameof(logFile));
            }

            using var trash = TrashPaths.OpenTrash(commonDir, create: false);
            if (trash == null)
            {
                return 0;
            }

            var present = new List<string>();
            foreach (var name in names)
            {
                if (trash.RequireOwnDirectory(name))
                {
                    present.Add(name);
                }
                else
                {
                    sink.Debug("already gone: " + Path.Combine(trash.Path, name));
                }
            }

            if (present.Count == 0)
            {
                return 0;
            }

            if (Platform.IsWindows)
            {
                StartWindows(commonDir, present, sink);
                return 0;
            }

            using var logs = SafeDirectory.Open(commonDir, true, TrashPaths.StateName, TrashPaths.LogsName)!;
            var logFd = logs.OpenFileForAppend(logName, Convert.ToUInt32("600", 8));
            try
            {
                var prefix = LowPriorityPrefix();
                var args = new List<string>();
                for (var i = 1; i < prefix.Count; i++)
                {
                    args.Add(prefix[i]);
                }

                args.Add("rm");
                args.Add("-rf");
                args.Add("--");
                args.AddRange(present);

                var options = new SpawnOptions(prefix[0], args)
                {
                    NewSession = true,
                    WorkingDirectoryDescriptor = trash.Fd,
                    OutputDescriptor = logFd,
                };
                beforeSpawn?.Invoke();
                var shown = new List<string>();
                foreach (var name in present)
                {
                    shown.Add(Path.Combine(TrashPaths.TrashDir(commonDir), name));
                }

                sink.Verbose(options.Display + "   (detached, in the trash folder reached without following links: " + string.Join(", ", shown) + ")");
                var child = UnixSpawn.Spawn(options);

                // Reap it on another thread so no zombie is left while this process lives (init reaps it after).
                var pid = child.Pid;
                var reaper = new Thread(() => Reap(pid)) { IsBackground = true, Name = "Worktrunk background-deletion reaper" };
                reaper.Start();
                return pid;
            }
            finally
            {
                Libc.close(logFd);
            }
        }

        private static void StartWindows(string commonDir, List<string> names, IDiagnosticSink sink)
        {
            sink.Verbose("deleting " + string.Join(", ", names) + " in the background (in-process)");
            var worker = new Thread(() =>
            {
                foreach (var name in names)
                {
                    try
                    {
                        using var trash = TrashPaths.OpenTrash(commonDir, create: false);
                        if (trash != null && trash.RequireOwnDirectory(name))
                        {
                            SafeDelete.Tree(trash, name, CancellationToken.None);
                        }
                    }
                    catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is WorktrunkException)
                    {
                        // Left in the trash: the stale-trash sweep retries it.
                    }
                }
            })
            { IsBackground = true, Name = "Worktrunk background deletion" };
            worker.Start();
        }

        private static void Reap(int pid)
        {
            while (Libc.waitpid(pid, out _, 0) < 0 && Libc.Errno == Libc.EINTR)
            {
            }
        }

        /// <summary>
        /// Deletes a trash entry in this process, by directory descriptors (see the contract).
        /// Reports progress every 500 files.
        /// </summary>
        internal static DeletionStats DeleteInProcess(string commonDir, string entry, IDiagnosticSink sink, CancellationToken cancellation) =>
            DeleteInProcess(commonDir, entry, sink, cancellation, null);

        /// <summary>As above; <paramref name="beforeDescend"/> (tests) is called with each directory's path relative to the entry just before it is opened.</summary>
        internal static DeletionStats DeleteInProcess(string commonDir, string entry, IDiagnosticSink sink, CancellationToken cancellation, Action<string>? beforeDescend)
        {
            var name = EnsureTrashEntry(commonDir, entry);
            using var trash = TrashPaths.OpenTrash(commonDir, create: false);
            if (trash == null || !trash.RequireOwnDirectory(name))
            {
                return new DeletionStats(0, 0, 0);
            }

            var activity = "Deleting " + name;
            var counts = SafeDelete.Tree(
                trash,
                name,
                cancellation,
                c => sink.Progress(7, activity, c.Files.ToString(System.Globalization.CultureInfo.InvariantCulture) + " files, " + c.Bytes.ToString(System.Globalization.CultureInfo.InvariantCulture) + " bytes", -1, false),
                beforeDescend);
            sink.Progress(7, activity, "done", 100, true);
            return new DeletionStats(counts.Files, counts.Bytes, counts.Failures);
        }

        /// <summary>
        /// Refuses any path that is not a direct child of the repository's trash folder, compared by
        /// name (the common dir canonical or as given; nothing below it resolved); returns the entry's name.
        /// </summary>
        internal static string EnsureTrashEntry(string commonDir, string entry)
        {
            var trash = PathUtil.TrimEnd(Path.GetFullPath(TrashPaths.TrashDir(commonDir)));
            var canonicalTrash = Path.Combine(PathUtil.Canonicalize(commonDir), TrashPaths.StateName, TrashPaths.TrashName);
            var full = PathUtil.TrimEnd(Path.GetFullPath(entry));
            var parent = Path.GetDirectoryName(full);
            var name = Path.GetFileName(full);
            if (parent == null || name.Length == 0 || name == "." || name == ".." ||
                (!string.Equals(parent, trash, PathUtil.Comparison) && !string.Equals(parent, canonicalTrash, PathUtil.Comparison)))
            {
                throw new WorktrunkException(ErrorIds.NotATrashEntry, ErrorKind.InvalidArgument, $"Refusing to delete '{entry}': it is not an entry of {trash}.", entry);
            }

            return name;
        }

        private static List<string> LowPriorityPrefix()
        {
            var path = Environment.GetEnvironmentVariable("PATH");
            if (Platform.IsMacOS && File.Exists("/usr/sbin/taskpolicy"))
            {
                return new List<string> { "/usr/sbin/taskpolicy", "-b" };
            }

            return ExecutableLocator.Resolve("ionice", path, null) != null
                ? new List<string> { "ionice", "-c", "3", "nice", "-n", "19" }
                : new List<string> { "nice", "-n", "19" };
        }
    }
}

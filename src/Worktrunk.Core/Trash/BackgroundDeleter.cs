// Contract: deletes trash entries. Guarantees:
//   * Only direct children of a repository's trash folder (<common>/wt/trash/<entry>) are ever
//     deleted; any other path is refused before anything runs (InvalidArgument). Paths are
//     checked canonically, so a symlink cannot redirect a deletion out of the trash.
//   * Background deletion is detached: a short-lived `sh` in a new session starts
//     `[ionice -c 3] nice -n 19 rm -rf -- <entries>` in the background and exits; the rm is
//     reparented to init, survives the end of the PowerShell session and the terminal's
//     hang-up, and runs at the lowest CPU and I/O priority. Entries are passed as separate
//     arguments (never interpolated into a shell string). Output is appended to a log.
//   * In-process deletion (DeleteInProcess) unlinks symlinks without following them, counts
//     files and bytes, reports progress, stops early on cancellation and never throws for a
//     single entry it cannot delete (it reports what remained).
// Platform: Linux and macOS as above (macOS lowers priority with taskpolicy -b when present).
// Windows: `cmd /c rd /s /q` started without waiting (survives the session); no priority change.

using System;
using System.Collections.Generic;
using System.Diagnostics;
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
        /// direct child of <paramref name="commonDir"/>/wt/trash). Returns as soon as the detaching
        /// shell is started (it is reaped on a background thread); the deletion itself continues
        /// after this process exits.
        /// </summary>
        internal static void Start(string commonDir, IReadOnlyList<string> entries, string logFile, IDiagnosticSink sink)
        {
            if (entries.Count == 0)
            {
                return;
            }

            foreach (var e in entries)
            {
                EnsureTrashEntry(commonDir, e);
            }

            Directory.CreateDirectory(Path.GetDirectoryName(logFile)!);
            var stateDir = TrashPaths.StateDir(commonDir);

            if (Platform.IsWindows)
            {
                foreach (var e in entries)
                {
                    var psi = new ProcessStartInfo("cmd.exe", "/c rd /s /q \"" + e + "\"") { UseShellExecute = false, CreateNoWindow = true, WorkingDirectory = stateDir };
                    sink.Verbose("cmd.exe /c rd /s /q \"" + e + "\"");
                    using (Process.Start(psi))
                    {
                    }
                }

                return;
            }

            var argv = new List<string> { "-c", "\"$@\" &", "sh" };
            argv.AddRange(LowPriorityPrefix());
            argv.Add("rm");
            argv.Add("-rf");
            argv.Add("--");
            argv.AddRange(entries);

            var options = new SpawnOptions("sh", argv)
            {
                WorkingDirectory = stateDir,
                NewSession = true,
                Stdout = StdioMode.LogFile,
                Stderr = StdioMode.LogFile,
                LogFile = logFile,
            };
            sink.Verbose(options.Display + "   (detached, in " + stateDir + ")");
            var child = UnixSpawn.Spawn(options);

            // The sh only backgrounds rm and exits (within milliseconds); reap it on another thread so
            // no zombie is left behind and the caller does not wait for it.
            var pid = child.Pid;
            var reaper = new Thread(() => Reap(pid)) { IsBackground = true, Name = "Worktrunk background-deletion reaper" };
            reaper.Start();
        }

        private static void Reap(int pid)
        {
            var clock = Stopwatch.StartNew();
            while (Libc.waitpid(pid, out _, Libc.WNOHANG) == 0 && clock.Elapsed < TimeSpan.FromSeconds(5))
            {
                Thread.Sleep(2);
            }
        }

        /// <summary>
        /// Deletes a trash entry in this process: files unlinked (symlinks not followed), then
        /// directories deepest first. Reports progress every 500 files.
        /// </summary>
        internal static DeletionStats DeleteInProcess(string commonDir, string entry, IDiagnosticSink sink, CancellationToken cancellation)
        {
            EnsureTrashEntry(commonDir, entry);
            long files = 0;
            long bytes = 0;
            var failures = 0;
            var dirs = new List<string>();
            var stack = new Stack<string>();
            stack.Push(entry);
            while (stack.Count > 0)
            {
                cancellation.ThrowIfCancellationRequested();
                var dir = stack.Pop();
                dirs.Add(dir);
                IEnumerable<FileSystemInfo> children;
                try
                {
                    children = new DirectoryInfo(dir).EnumerateFileSystemInfos();
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    failures++;
                    continue;
                }

                foreach (var child in children)
                {
                    var isLink = (child.Attributes & FileAttributes.ReparsePoint) != 0;
                    if (child is DirectoryInfo && !isLink)
                    {
                        stack.Push(child.FullName);
                        continue;
                    }

                    try
                    {
                        var size = child is FileInfo fi && !isLink ? fi.Length : 0;
                        if (child is DirectoryInfo)
                        {
                            // A symlink to a directory: remove the link itself, never its target.
                            Directory.Delete(child.FullName, false);
                        }
                        else
                        {
                            child.Delete();
                        }

                        files++;
                        bytes += size;
                        if (files % 500 == 0)
                        {
                            sink.Progress(7, "Deleting " + Path.GetFileName(entry), files.ToString(System.Globalization.CultureInfo.InvariantCulture) + " files, " + bytes.ToString(System.Globalization.CultureInfo.InvariantCulture) + " bytes", -1, false);
                        }
                    }
                    catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                    {
                        failures++;
                    }
                }
            }

            for (var i = dirs.Count - 1; i >= 0; i--)
            {
                try
                {
                    Directory.Delete(dirs[i], false);
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    failures++;
                }
            }

            sink.Progress(7, "Deleting " + Path.GetFileName(entry), "done", 100, true);
            return new DeletionStats(files, bytes, failures);
        }

        /// <summary>Refuses any path that is not a direct child of the repository's trash folder.</summary>
        internal static void EnsureTrashEntry(string commonDir, string entry)
        {
            var trash = PathUtil.Canonicalize(TrashPaths.TrashDir(commonDir));
            var parent = Path.GetDirectoryName(PathUtil.TrimEnd(Path.GetFullPath(entry)));
            var name = Path.GetFileName(PathUtil.TrimEnd(entry));
            if (parent == null || name.Length == 0 || name == "." || name == ".." ||
                !string.Equals(PathUtil.Canonicalize(parent), trash, PathUtil.Comparison))
            {
                throw new WorktrunkException(ErrorIds.NotATrashEntry, ErrorKind.InvalidArgument, $"Refusing to delete '{entry}': it is not an entry of {trash}.", entry);
            }
        }

        private static IEnumerable<string> LowPriorityPrefix()
        {
            var path = Environment.GetEnvironmentVariable("PATH");
            if (Platform.IsMacOS && File.Exists("/usr/sbin/taskpolicy"))
            {
                return new[] { "/usr/sbin/taskpolicy", "-b" };
            }

            return ExecutableLocator.Resolve("ionice", path, null) != null
                ? new[] { "ionice", "-c", "3", "nice", "-n", "19" }
                : new[] { "nice", "-n", "19" };
        }
    }
}

// Contract (test-only seam, inert in a user's session): a pause point that lets a test stop a real
// removal at a chosen step, to SIGKILL the process there (crash consistency) or to race it.
//
// Switching it on takes three variables AND a file only the harness makes:
//   WORKTRUNK_TEST_PAUSE_AT=<RemovalStep name>, WORKTRUNK_TEST_PAUSE_FILE=<path>,
//   WORKTRUNK_TEST_PAUSE_TOKEN=<at least 32 hex digits, fresh random per run>, and the file
//   <path>.token, a regular file (not a symlink) created by the harness with FileMode.CreateNew,
//   holding exactly that token. The harness deletes the token file when the test ends
//   (RemovalChild in tests/Unit/Worktrunk.PowerShell.Tests/Removal). So a variable exported and left behind in a
//   user's shell does nothing: without the token variable, or once its token file is gone (or
//   holds anything else), the pause point returns at once and touches no file.
// When armed, on reaching that step it creates <path> with FileMode.CreateNew (it never
//   overwrites an existing file: if <path> exists it does not pause), writes "<pid>\n", and
//   waits while <path> and its token file exist, for at most 10 minutes, and not past Ctrl+C:
//   the cancellation token ends the wait at once. What Ctrl+C does then is the executor's rule:
//   at a step before the rename the removal stops with nothing changed; at a step inside the
//   part that cannot be cancelled (rename → unregister → branch) it runs to the end.
// Lock: the pause runs where the step is reported, so the removal lock is held or not as there:
//   BeforeLock: not held. BeforeStop, AfterStop, AfterRename, AfterUnregister: held (a kill there
//   is a kill under the lock). BeforeBranchDelete: held on the staged path and for a branch
//   alone; not held after the in-place fallback or for a stale entry. AfterDeletionStarted: held
//   when the removal starts its background deletion (no -Wait); not held when a -Wait deletion
//   stopped by Ctrl+C hands the rest over. DuringDeletion: not held.
// Platform: the same everywhere; the file checks use .NET only.

using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;

namespace Worktrunk.Removal
{
    /// <summary>A pause at one removal step, for tests only, switched on by a harness-made token file.</summary>
    internal static class TestPausePoint
    {
        internal const string StepVariable = "WORKTRUNK_TEST_PAUSE_AT";
        internal const string FileVariable = "WORKTRUNK_TEST_PAUSE_FILE";
        internal const string TokenVariable = "WORKTRUNK_TEST_PAUSE_TOKEN";

        /// <summary>The token file of a pause file.</summary>
        internal static string TokenFile(string pauseFile) => pauseFile + ".token";

        /// <summary>The longest a pause lasts.</summary>
        internal static readonly TimeSpan Bound = TimeSpan.FromMinutes(10);

        /// <summary>
        /// Pauses at <paramref name="step"/> when the harness switched the pause point on for it
        /// (<paramref name="environment"/> reads the variables); returns at once otherwise, or when
        /// <paramref name="cancellation"/> fires. True when it paused.
        /// </summary>
        internal static bool Reached(RemovalStep step, CancellationToken cancellation, Func<string, string?> environment)
        {
            var file = Armed(step, environment);
            if (file == null)
            {
                return false;
            }

            try
            {
                using (var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
                {
                    var pid = Encoding.ASCII.GetBytes(Process.GetCurrentProcess().Id.ToString(CultureInfo.InvariantCulture) + "\n");
                    stream.Write(pid, 0, pid.Length);
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                // It exists already (never overwritten), or cannot be made: no pause.
                return false;
            }

            var clock = Stopwatch.StartNew();
            var token = TokenFile(file);
            while (File.Exists(file) && File.Exists(token) && clock.Elapsed < Bound && !cancellation.IsCancellationRequested)
            {
                cancellation.WaitHandle.WaitOne(10);
            }

            return true;
        }

        /// <summary>The pause file when the pause point is switched on for <paramref name="step"/>; null otherwise.</summary>
        internal static string? Armed(RemovalStep step, Func<string, string?> environment)
        {
            var at = environment(StepVariable);
            if (string.IsNullOrEmpty(at) || !string.Equals(at, step.ToString(), StringComparison.Ordinal))
            {
                return null;
            }

            var file = environment(FileVariable);
            var token = environment(TokenVariable);
            if (string.IsNullOrEmpty(file) || !Path.IsPathRooted(file) || token == null || token.Length < 32 || !IsHex(token))
            {
                return null;
            }

            try
            {
                var info = new FileInfo(TokenFile(file!));
                if (!info.Exists || (info.Attributes & FileAttributes.ReparsePoint) != 0 || info.Length != token.Length)
                {
                    return null;
                }

                return string.Equals(File.ReadAllText(info.FullName), token, StringComparison.Ordinal) ? file : null;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ArgumentException || e is NotSupportedException)
            {
                return null;
            }
        }

        private static bool IsHex(string s)
        {
            foreach (var c in s)
            {
                if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
                {
                    return false;
                }
            }

            return true;
        }
    }
}

// Contract (test-only): a pause point that lets a test stop a real removal at a chosen step and
// SIGKILL the process there, to prove crash consistency. It does nothing unless the environment
// sets WORKTRUNK_TEST_PAUSE_AT=<RemovalStep name> and WORKTRUNK_TEST_PAUSE_FILE=<path>. Then, on
// reaching that step, it writes "<pid>\n" to the file and blocks while the file exists (a test
// deletes it to let the removal continue, or kills the process). Bounded at 10 minutes. No user
// sets these variables; they exist for tests/Unit (RemovalFaultTests).

using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading;

namespace Worktrunk.Removal
{
    /// <summary>An environment-controlled pause at one removal step (tests only).</summary>
    internal static class TestPausePoint
    {
        internal const string StepVariable = "WORKTRUNK_TEST_PAUSE_AT";
        internal const string FileVariable = "WORKTRUNK_TEST_PAUSE_FILE";

        internal static void Reached(RemovalStep step)
        {
            var at = Environment.GetEnvironmentVariable(StepVariable);
            if (string.IsNullOrEmpty(at) || !string.Equals(at, step.ToString(), StringComparison.Ordinal))
            {
                return;
            }

            var file = Environment.GetEnvironmentVariable(FileVariable);
            if (string.IsNullOrEmpty(file))
            {
                return;
            }

            File.WriteAllText(file!, Process.GetCurrentProcess().Id.ToString(CultureInfo.InvariantCulture) + "\n");
            var clock = Stopwatch.StartNew();
            while (File.Exists(file) && clock.Elapsed < TimeSpan.FromMinutes(10))
            {
                Thread.Sleep(10);
            }
        }
    }
}

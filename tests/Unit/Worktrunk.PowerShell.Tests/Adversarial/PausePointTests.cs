using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Worktrunk.Diagnostics;
using Worktrunk.PowerShell.Tests.Removal;
using Worktrunk.Removal;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.PowerShell.Tests.Adversarial
{
    /// <summary>
    /// The test-only pause point cannot fire in a user's session: leftover WORKTRUNK_TEST_PAUSE_*
    /// variables without the harness's token file do nothing (the removal runs, the named file is
    /// untouched). Switched on, it honours Ctrl+C, and a pause under the lock holds the lock.
    /// </summary>
    public sealed class PausePointTests
    {
        private static readonly string Token = new string('a', 16) + Guid.NewGuid().ToString("N");

        /// <summary>A switch as the harness makes it, in <paramref name="dir"/>: the variables, and the token file.</summary>
        private static Dictionary<string, string?> Switch(string dir, string step, bool tokenFile = true, string? token = null)
        {
            var file = Path.Combine(dir, "paused");
            if (tokenFile)
            {
                File.WriteAllText(TestPausePoint.TokenFile(file), Token, new UTF8Encoding(false));
            }

            return new Dictionary<string, string?>
            {
                [TestPausePoint.StepVariable] = step,
                [TestPausePoint.FileVariable] = file,
                [TestPausePoint.TokenVariable] = token ?? Token,
            };
        }

        private static Func<string, string?> Env(Dictionary<string, string?> vars) => name => vars.TryGetValue(name, out var v) ? v : null;

        [Fact]
        public void It_is_switched_on_only_by_the_step_the_file_the_token_and_a_matching_token_file()
        {
            using var sb = GitSandbox.Create();
            var on = Switch(sb.Root, "AfterStop");
            var file = on[TestPausePoint.FileVariable]!;
            Assert.Equal(file, TestPausePoint.Armed(RemovalStep.AfterStop, Env(on)));
            Assert.Null(TestPausePoint.Armed(RemovalStep.BeforeStop, Env(on)));

            // The two variables of old, left exported: nothing.
            var old = new Dictionary<string, string?>(on) { [TestPausePoint.TokenVariable] = null };
            Assert.Null(TestPausePoint.Armed(RemovalStep.AfterStop, Env(old)));

            // A token that is not the file's, or too short to be a harness's: nothing.
            Assert.Null(TestPausePoint.Armed(RemovalStep.AfterStop, Env(new Dictionary<string, string?>(on) { [TestPausePoint.TokenVariable] = new string('b', Token.Length) })));
            Assert.Null(TestPausePoint.Armed(RemovalStep.AfterStop, Env(new Dictionary<string, string?>(on) { [TestPausePoint.TokenVariable] = "abc" })));

            // A token file that is a symlink (to a file holding the token): nothing.
            var real = Path.Combine(sb.Root, "elsewhere");
            File.Move(TestPausePoint.TokenFile(file), real);
            File.CreateSymbolicLink(TestPausePoint.TokenFile(file), real);
            Assert.Null(TestPausePoint.Armed(RemovalStep.AfterStop, Env(on)));

            // The harness deleted its token file at the end of the test: the variables left behind do nothing.
            File.Delete(TestPausePoint.TokenFile(file));
            Assert.Null(TestPausePoint.Armed(RemovalStep.AfterStop, Env(on)));

            // Armed, but the pause file exists already: it is never overwritten, and there is no pause.
            File.WriteAllText(TestPausePoint.TokenFile(file), Token);
            File.WriteAllText(file, "the user's file\n");
            Assert.False(TestPausePoint.Reached(RemovalStep.AfterStop, CancellationToken.None, Env(on)));
            Assert.Equal("the user's file\n", File.ReadAllText(file));
        }

        [Fact]
        public void Leftover_pause_variables_in_a_users_session_do_nothing_the_removal_runs_and_the_named_file_is_untouched()
        {
            using var procs = new TestProcesses();
            using var sb = GitSandbox.Create();
            var named = sb.Root + "-users-file.txt";
            File.WriteAllText(named, "a file of the user's\n");
            try
            {
                // The two variables of old, exported and forgotten, naming an existing file.
                sb.AddWorktree("victim");
                using (var child = RemovalChild.Start(procs, sb, string.Format(RemovalChild.Report, "-Wait"), environment: new Dictionary<string, string?>
                {
                    [TestPausePoint.StepVariable] = "AfterStop",
                    [TestPausePoint.FileVariable] = named,
                }))
                {
                    Assert.Equal("OK Staged Deleted", child.Finish());
                }

                Assert.Equal("a file of the user's\n", File.ReadAllText(named));

                // All three, copied from a test run whose harness is gone (its token file deleted), naming a file that does not exist.
                var absent = sb.Root + "-absent.txt";
                sb.AddWorktree("victim");
                using (var child = RemovalChild.Start(procs, sb, string.Format(RemovalChild.Report, "-Wait"), environment: new Dictionary<string, string?>
                {
                    [TestPausePoint.StepVariable] = "BeforeLock",
                    [TestPausePoint.FileVariable] = absent,
                    [TestPausePoint.TokenVariable] = Token,
                }))
                {
                    Assert.Equal("OK Staged Deleted", child.Finish());
                }

                Assert.False(File.Exists(absent));
                Assert.False(File.Exists(TestPausePoint.TokenFile(absent)));
            }
            finally
            {
                File.Delete(named);
            }
        }

        [Fact]
        public void Paused_under_the_lock_the_lock_is_held_and_Ctrl_C_stops_the_removal_with_nothing_changed()
        {
            using var sb = GitSandbox.Create();
            var victim = sb.AddWorktree("victim");
            var pauseDir = sb.Root + "-pause";
            Directory.CreateDirectory(pauseDir);
            try
            {
                var on = Switch(pauseDir, "AfterStop");
                var file = on[TestPausePoint.FileVariable]!;
                var plan = InProcessRemoval.Plan(sb, SelectorKind.Branch, "victim");
                using var ctrlC = new CancellationTokenSource();
                var executor = InProcessRemoval.Executor(cancellation: ctrlC.Token);
                executor.PauseEnvironment = Env(on);
                var removal = Task.Run(() => executor.Execute(plan, true));

                Assert.True(TestProcesses.WaitUntil(() => File.Exists(file) || removal.IsCompleted, TimeSpan.FromSeconds(60)), "the removal did not pause");
                Assert.False(removal.IsCompleted);
                var before = RepoSnapshot.Take(sb);

                // The lock is held while paused: another removal cannot take it.
                var busy = Assert.Throws<WorktrunkException>(() => RemovalLock.Acquire(sb.CommonDir, TimeSpan.FromMilliseconds(50), CancellationToken.None).Dispose());
                Assert.Equal(ErrorIds.RemovalFailed, busy.ErrorId);

                // Ctrl+C ends the pause (the pause file is still there) and stops the removal before the rename.
                ctrlC.Cancel();
                var stopped = Assert.ThrowsAny<OperationCanceledException>(() => removal.GetAwaiter().GetResult());
                Assert.NotNull(stopped);
                Assert.True(File.Exists(file));
                before.AssertUnchanged(sb);
                Assert.True(Directory.Exists(victim));

                // And the lock is free again.
                RemovalLock.Acquire(sb.CommonDir, TimeSpan.FromSeconds(5), CancellationToken.None).Dispose();
            }
            finally
            {
                Directory.Delete(pauseDir, true);
            }
        }
    }
}

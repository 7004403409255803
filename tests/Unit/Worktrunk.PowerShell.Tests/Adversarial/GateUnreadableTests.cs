using System;
using System.Diagnostics;
using System.IO;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.PowerShell.Tests.Removal;
using Worktrunk.Removal;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.PowerShell.Tests.Adversarial
{
    /// <summary>
    /// An untracked directory git cannot read makes `git status` warn on stderr and exit 0 with
    /// nothing listed: the files in there were never looked at. The dirty gate fails closed
    /// (WorktreeDirty). The tests run as root, for whom chmod 000 denies nothing; so git runs as
    /// an unprivileged user (setpriv to uid 65534) through a wrapper given as the git executable,
    /// which makes the permission real.
    /// </summary>
    public sealed class GateUnreadableTests
    {
        /// <summary>What git 2.39 printed, exit 0, as uid 65534 in a worktree with an unreadable untracked directory.</summary>
        private const string CapturedStderr = "warning: could not open directory 'secret/': Permission denied\n";

        [Fact]
        public void The_stderr_of_a_status_that_could_not_read_a_directory_is_classified_as_unreadable()
        {
            Assert.Equal(new[] { "warning: could not open directory 'secret/': Permission denied" }, DirtyGate.Unreadable(CapturedStderr));
            Assert.Empty(DirtyGate.Unreadable(string.Empty));
            Assert.Empty(DirtyGate.Unreadable("warning: some other note\n"));
        }

        [Fact]
        public void An_unreadable_untracked_directory_fails_the_dirty_gate_closed_and_nothing_changes()
        {
            // As root, only another uid makes chmod 000 deny a read: util-linux setpriv is required then.
            var root = Environment.UserName == "root";
            var setpriv = "/usr/bin/setpriv";
            Assert.True(!root || File.Exists(setpriv), "running as root, this test needs " + setpriv + " (util-linux) to run git as an unprivileged user");

            using var sb = GitSandbox.Create();
            var victim = sb.AddWorktree("victim");
            var secret = Path.Combine(victim, "secret");
            sb.WriteFile(secret, "agent-notes.md", "the only copy\n");
            File.SetUnixFileMode(secret, 0);

            var wrapperDir = sb.Root + "-bin";
            Directory.CreateDirectory(wrapperDir);
            var wrapper = Path.Combine(wrapperDir, "git-as-nobody");
            File.WriteAllText(wrapper, root
                ? "#!/bin/sh\nexec " + setpriv + " --reuid=65534 --regid=65534 --clear-groups env HOME=/nonexistent git -c safe.directory='*' \"$@\"\n"
                : "#!/bin/sh\nexec git \"$@\"\n");
            File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            try
            {
                // The permission is real for that git: it warns and lists nothing.
                var probe = new GitRunner(NullSink.Instance) { GitExecutable = wrapper }.Run(victim, GitAccess.ReadOnly, new[] { "status", "--porcelain", "-z", "--untracked-files=normal" });
                Assert.True(probe.Succeeded, probe.Stderr);
                Assert.Equal(string.Empty, probe.Stdout);
                Assert.Contains("could not open directory 'secret/'", probe.Stderr);

                var plan = InProcessRemoval.Plan(sb, SelectorKind.Branch, "victim");
                var before = RepoSnapshot.Take(sb);
                var e = Assert.Throws<WorktrunkException>(() => InProcessRemoval.Executor(git: wrapper).Execute(plan, true));
                Assert.Equal(ErrorIds.WorktreeDirty, e.ErrorId);
                Assert.Contains("could not open directory 'secret/'", e.Message);
                Assert.Contains("-Force", e.Hint);
                before.AssertUnchanged(sb);
            }
            finally
            {
                File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                Directory.Delete(wrapperDir, true);
            }

            Assert.Equal("the only copy\n", File.ReadAllText(Path.Combine(secret, "agent-notes.md")));
        }
    }
}

using System;
using System.Collections.Concurrent;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Worktrunk.Diagnostics;
using Worktrunk.Interop;
using Worktrunk.IO;
using Worktrunk.Tether;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Tether
{
    /// <summary>
    /// The tether identifies its worktree by device and inode, not by the path existing: a
    /// worktree removed and a directory recreated at the same path between two polls tears the
    /// tree down; changing files in it does not. Real process trees (tether-tree.sh), real
    /// worktrees, real git. Every swap runs inside the supervisor's own AfterProbe hook, on the
    /// loop's thread, so it happens exactly between two looks (never on a sleep): the path never
    /// stops existing at any look the tether takes.
    /// </summary>
    public sealed class TetherIdentityTests : TetherFixture
    {
        /// <summary>Runs the supervisor with <paramref name="onProbe"/> as its AfterProbe hook; returns the result and every look's state in order.</summary>
        private static (WtTetherResult Result, WatchedPathState[] States) Supervise(TetherSupervisor supervisor, Action<int, WatchedPathState> onProbe, CancellationToken token = default)
        {
            var states = new ConcurrentQueue<WatchedPathState>();
            supervisor.AfterProbe = (n, s) =>
            {
                states.Enqueue(s);
                onProbe(n, s);
            };
            var run = Task.Factory.StartNew(() => supervisor.Run(token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            Assert.True(run.Wait(Generous), "the supervisor did not return");
            return (run.Result, states.ToArray());
        }

        [Fact]
        public void The_watcher_pins_the_worktree_and_knows_its_inode()
        {
            var worktree = _sandbox.AddWorktree("id-pin");
            var (supervisor, _) = StartTree(worktree, null, "stay");
            using (supervisor)
            {
                Assert.True(PathWatch.TryIdentify(worktree, out var now, out _));
                Assert.Equal(now, supervisor.Watcher.Identity);
                Assert.True(supervisor.Watcher.Pinned, "no descriptor pins the worktree");
                Assert.Contains(_sink.Messages, m => m.StartsWith("D:watching '" + worktree + "' as device ", StringComparison.Ordinal) && m.EndsWith(", pinned by an open descriptor", StringComparison.Ordinal));
            }

            Assert.False(supervisor.Watcher.Pinned, "the descriptor outlived the tether");
        }

        [Fact]
        public void Mv_away_and_mkdir_between_two_polls_tears_the_tree_down()
        {
            var worktree = _sandbox.AddWorktree("id-mv");
            var moved = Path.Combine(_sandbox.Root, "moved-away");
            var (supervisor, tree) = StartTree(worktree, null, "stay");
            using (supervisor)
            {
                var (result, states) = Supervise(supervisor, (n, s) =>
                {
                    if (n == 2)
                    {
                        // mv wt x && mkdir wt, between look 2 and look 3.
                        Directory.Move(worktree, moved);
                        Directory.CreateDirectory(worktree);
                    }
                });

                Assert.Equal(WtTetherEndReason.WorktreeRemoved, result.Reason);
                Assert.True(tree.AllGone(), "survivors: " + tree.Survivors());
                Assert.Equal(new[] { WatchedPathState.Present, WatchedPathState.Present, WatchedPathState.Replaced }, states.Take(3));
                Assert.DoesNotContain(WatchedPathState.Removed, states);
                Assert.Contains(_sink.Messages, m => m.Contains("is no longer the worktree this tether started on", StringComparison.Ordinal));

                // The teardown touched neither directory.
                Assert.True(File.Exists(Path.Combine(moved, ".git")));
                Assert.Empty(Directory.EnumerateFileSystemEntries(worktree));
            }
        }

        [Fact]
        public void Rm_rf_and_mkdir_between_two_polls_tears_the_tree_down_even_where_inode_numbers_are_reused()
        {
            // ext4 and tmpfs hand a freed inode number to the next directory created; only the
            // pinning descriptor keeps the recreated directory from looking like the old one.
            // The command runs in a subdirectory (`npm run dev` in wt/web): its working
            // directory holds that subdirectory's inode, not the worktree root's.
            var worktree = _sandbox.AddWorktree("id-rm");
            var web = Path.Combine(worktree, "web");
            Directory.CreateDirectory(web);
            var (supervisor, tree) = StartTree(worktree, web, "stay");
            using (supervisor)
            {
                var before = supervisor.Watcher.Identity;
                FileIdentity? after = null;
                var (result, states) = Supervise(supervisor, (n, s) =>
                {
                    if (n == 1)
                    {
                        TestFiles.DeleteTree(worktree);
                        Directory.CreateDirectory(worktree);
                        Assert.True(PathWatch.TryIdentify(worktree, out var recreated, out _));
                        after = recreated;
                    }
                });

                Assert.Equal(WtTetherEndReason.WorktreeRemoved, result.Reason);
                Assert.True(tree.AllGone(), "survivors: " + tree.Survivors());
                Assert.Equal(new[] { WatchedPathState.Present, WatchedPathState.Replaced }, states.Take(2));
                Assert.NotEqual(before, after);
            }
        }

        [Fact]
        public void The_pin_keeps_a_recreated_directory_from_reusing_the_inode_number()
        {
            // Nothing runs inside the directory here, so nothing but the watcher's descriptor
            // holds its inode: ext4 and tmpfs give the freed number to the next mkdir (this
            // machine's /tmp does), and without the pin the recreated directory would pass as
            // the original.
            var dir = Path.Combine(_sandbox.Root, "reuse");
            Directory.CreateDirectory(Path.Combine(dir, "sub"));
            File.WriteAllText(Path.Combine(dir, "f"), "x");
            using var watcher = PathWatcher.Capture(dir);
            Assert.True(watcher.Pinned);
            Assert.Equal(WatchedPathState.Present, watcher.Probe());

            TestFiles.DeleteTree(dir);
            Directory.CreateDirectory(dir);
            Assert.Equal(WatchedPathState.Replaced, watcher.Probe());

            // Once the pin is gone the number is free again, which is why it is held.
            watcher.Dispose();
            Assert.False(watcher.Pinned);
        }

        [Fact]
        public void Git_worktree_remove_then_git_worktree_add_at_the_same_path_tears_the_tree_down()
        {
            var worktree = _sandbox.AddWorktree("id-readd");
            var (supervisor, tree) = StartTree(worktree, null, "stay");
            using (supervisor)
            {
                var (result, states) = Supervise(supervisor, (n, s) =>
                {
                    if (n == 2)
                    {
                        // Remove-WtWorktree followed at once by `git worktree add` at that path.
                        _sandbox.Git(_sandbox.RepoPath, "worktree", "remove", "--force", worktree);
                        _sandbox.Git(_sandbox.RepoPath, "worktree", "add", "-q", worktree, "id-readd");
                    }
                });

                Assert.Equal(WtTetherEndReason.WorktreeRemoved, result.Reason);
                Assert.True(tree.AllGone(), "survivors: " + tree.Survivors());
                Assert.Equal(new[] { WatchedPathState.Present, WatchedPathState.Present, WatchedPathState.Replaced }, states.Take(3));

                // The new worktree is intact and registered.
                Assert.True(File.Exists(Path.Combine(worktree, ".git")));
                Assert.Contains("branch refs/heads/id-readd", _sandbox.Git(_sandbox.RepoPath, "worktree", "list", "--porcelain"), StringComparison.Ordinal);
                Assert.Equal(string.Empty, _sandbox.Git(worktree, "status", "--porcelain").Trim());
            }
        }

        [Fact]
        public void Changing_files_touching_and_chmodding_the_worktree_keeps_the_tree_running()
        {
            var worktree = _sandbox.AddWorktree("id-edit");
            var (supervisor, tree) = StartTree(worktree, null, "stay");
            using (supervisor)
            using (var cts = new CancellationTokenSource())
            {
                var (result, states) = Supervise(
                    supervisor,
                    (n, s) =>
                    {
                        switch (n)
                        {
                            case 1:
                                File.WriteAllText(Path.Combine(worktree, "new.txt"), "new");
                                File.AppendAllText(Path.Combine(worktree, "README.md"), "more\n");
                                Directory.CreateDirectory(Path.Combine(worktree, "sub", "deeper"));
                                break;
                            case 2:
                                // touch wt; chmod 700 wt; an atomic save (write a temp, rename over).
                                Directory.SetLastWriteTimeUtc(worktree, DateTime.UtcNow.AddMinutes(1));
                                File.SetUnixFileMode(worktree, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                                File.WriteAllText(Path.Combine(worktree, "README.md.tmp"), "saved\n");
                                File.Move(Path.Combine(worktree, "README.md.tmp"), Path.Combine(worktree, "README.md"), overwrite: true);
                                File.Delete(Path.Combine(worktree, "new.txt"));
                                break;
                            case 4:
                                // Two looks after the last change: still running. Stop it.
                                Assert.True(tree.All.All(TestProcesses.IsAlive), "the tree died while its worktree stayed");
                                cts.Cancel();
                                break;
                        }
                    },
                    cts.Token);

                Assert.Equal(WtTetherEndReason.Stopped, result.Reason);
                Assert.True(states.Length >= 4);
                Assert.All(states, s => Assert.Equal(WatchedPathState.Present, s));
                Assert.Equal("saved\n", File.ReadAllText(Path.Combine(worktree, "README.md")));
            }
        }

        [Fact]
        public void A_symlinked_worktree_is_the_link_itself_retargeting_a_swapped_link_is_a_replacement()
        {
            var worktree = _sandbox.AddWorktree("id-link");
            var link = Path.Combine(_sandbox.Root, "wt-link");
            Directory.CreateSymbolicLink(link, worktree);
            var watcher = PathWatcher.Capture(link);
            try
            {
                Assert.True(PathWatch.TryIdentify(link, out var linkId, out _));
                Assert.True(PathWatch.TryIdentify(worktree, out var targetId, out _));
                Assert.Equal(linkId, watcher.Identity);
                Assert.NotEqual(targetId, watcher.Identity);
                Assert.True(watcher.Pinned, "Linux O_PATH | O_NOFOLLOW opens the link itself");

                // Files changing behind the link: still the same link.
                File.WriteAllText(Path.Combine(worktree, "x.txt"), "x");
                Assert.Equal(WatchedPathState.Present, watcher.Probe());

                // The link replaced by another link to the same target: another file.
                File.Delete(link);
                Directory.CreateSymbolicLink(link, worktree);
                Assert.Equal(WatchedPathState.Replaced, watcher.Probe());

                File.Delete(link);
                Assert.Equal(WatchedPathState.Removed, watcher.Probe());
                Assert.Equal(3, watcher.Polls);
            }
            finally
            {
                watcher.Dispose();
            }
        }

        [Fact]
        public void A_detached_supervisor_starts_nothing_when_the_worktree_was_replaced_since_Start_WtTether()
        {
            var worktree = _sandbox.AddWorktree("id-detach");
            Assert.True(PathWatch.TryIdentify(worktree, out var atLaunch, out _));
            var moved = Path.Combine(_sandbox.Root, "id-detach-old");
            Directory.Move(worktree, moved);
            Directory.CreateDirectory(worktree);
            var marker = Path.Combine(_sandbox.Root, "ran");

            var spec = new TetherSpec("sh", new[] { "-c", "echo > \"$1\"", "sh", marker }, worktree, worktree, TimeSpan.FromSeconds(1), watchedIdentity: atLaunch);
            var decoded = TetherSpec.Decode(spec.Encode());
            Assert.Equal(atLaunch, decoded.WatchedIdentity);

            var e = Assert.Throws<WorktrunkException>(() => TetherSupervisor.Start(decoded, _sink));
            Assert.Equal(ErrorIds.TetherWorktreeReplaced, e.ErrorId);
            Assert.Equal(worktree, e.Target);
            Assert.False(File.Exists(marker), "the command ran");
            Assert.Equal(0, _sink.GuardianPid);

            // The same spec against the unchanged worktree starts.
            Directory.Delete(worktree);
            Directory.Move(moved, worktree);
            using var supervisor = TetherSupervisor.Start(decoded, _sink);
            _procs.Track(supervisor.ProcessGroupId, group: true);
            var result = supervisor.Run(CancellationToken.None);
            Assert.Equal(WtTetherEndReason.Exited, result.Reason);
            Assert.True(File.Exists(marker));
        }

        [Fact]
        public void A_spec_without_an_identity_still_round_trips_and_a_bad_identity_is_refused()
        {
            var plain = new TetherSpec("sh", new[] { "a" }, "/w", "/w", TimeSpan.FromSeconds(1));
            Assert.Null(TetherSpec.Decode(plain.Encode()).WatchedIdentity);

            var withId = new TetherSpec("sh", new[] { "a" }, "/w", "/w", TimeSpan.FromSeconds(1), watchedIdentity: new FileIdentity(ulong.MaxValue, 42));
            Assert.Equal(new FileIdentity(ulong.MaxValue, 42), TetherSpec.Decode(withId.Encode()).WatchedIdentity);

            var text = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(withId.Encode()));
            var forged = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text.Replace(ulong.MaxValue + ",42", "1,x-", StringComparison.Ordinal)));
            Assert.Equal(ErrorIds.TetherSpecInvalid, Assert.Throws<WorktrunkException>(() => TetherSpec.Decode(forged)).ErrorId);
        }

        [Theory]
        [InlineData(true, true, "Present")]
        [InlineData(true, false, "Replaced")]
        [InlineData(false, false, "Present")]
        public void Classify_compares_identities_only_when_one_was_captured(bool captured, bool same, string expectedState)
        {
            var expected = Enum.Parse<WatchedPathState>(expectedState);
            var start = new FileIdentity(7, 100);
            var now = same ? start : new FileIdentity(7, 101);
            Assert.Equal(expected, PathWatch.Classify(captured ? start : (FileIdentity?)null, true, now, 0));
        }

        [Fact]
        public void Classify_a_failed_look_by_its_error_and_an_unreadable_identity_as_present()
        {
            var start = new FileIdentity(7, 100);
            Assert.Equal(WatchedPathState.Removed, PathWatch.Classify(start, false, default, Libc.ENOENT));
            Assert.Equal(WatchedPathState.Removed, PathWatch.Classify(start, false, default, Libc.ENOTDIR));
            Assert.Equal(WatchedPathState.Inaccessible, PathWatch.Classify(start, false, default, Libc.EACCES));

            // 32-bit Unix: the path exists, its identity is not read.
            Assert.Equal(WatchedPathState.Present, PathWatch.Classify(start, false, default, 0));

            // Another device with the same inode number is another file.
            Assert.Equal(WatchedPathState.Replaced, PathWatch.Classify(start, true, new FileIdentity(8, 100), 0));
        }
    }
}

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using Worktrunk.Diagnostics;
using Worktrunk.TestSupport;
using Worktrunk.Trash;
using Xunit;

namespace Worktrunk.Core.Tests.Adversarial
{
    /// <summary>
    /// Issue 9, points 1 and 3: a second process swaps directories for symlinks while a trash entry
    /// is being deleted (in-process -Wait deletion), or swaps the trash path before the background
    /// rm starts. Synchronized on the deleter's own progress (its test hooks); the swap is done by a
    /// real second process (`sh -c 'mv … && ln -s …'`) run at that moment. Canaries intact.
    /// </summary>
    public sealed class SafeDeleteSwapAttackTests : IDisposable
    {
        private static readonly string Stamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        private readonly GitSandbox _sb = GitSandbox.Create();
        private readonly RecordingSink _sink = new RecordingSink();
        private readonly TestProcesses _processes = new TestProcesses();

        public void Dispose()
        {
            _processes.Dispose();
            _sb.Dispose();
        }

        private string Common => _sb.CommonDir;

        private string Trash => TrashPaths.TrashDir(Common);

        /// <summary>A second process replaces the directory <paramref name="victim"/> with a link to <paramref name="target"/>, moving the real one to <paramref name="aside"/>.</summary>
        private void SwapForLink(string victim, string target, string aside)
        {
            var psi = new ProcessStartInfo("sh") { ArgumentList = { "-c", "mv -- \"$1\" \"$2\" && ln -s -- \"$3\" \"$1\"", "swap", victim, aside, target }, UseShellExecute = false };
            using var p = Process.Start(psi)!;
            _processes.Track(p.Id);
            p.WaitForExit();
            Assert.Equal(0, p.ExitCode);
            Assert.NotNull(new DirectoryInfo(victim).LinkTarget);
        }

        private string Tree(string name, params string[] dirs)
        {
            var entry = Path.Combine(Trash, name);
            foreach (var d in dirs)
            {
                Directory.CreateDirectory(Path.Combine(entry, d));
                File.WriteAllText(Path.Combine(entry, d, "file.txt"), "agent output in " + d);
            }

            return entry;
        }

        [Fact]
        public void A_directory_swapped_for_a_link_just_before_it_is_entered_loses_only_the_link()
        {
            var entry = Tree("wt-agent-" + Stamp, "a", "a/x", "b", "b/y", "c");
            var canaryA = Path.Combine(_sb.Root, "canary-a");
            var canaryB = Path.Combine(_sb.Root, "canary-b");
            var snapA = TrashAttackCanary.Plant(canaryA);
            var snapB = TrashAttackCanary.Plant(canaryB);
            var visited = new List<string>();
            var swapped = new List<string>();

            // The first time the walk is about to enter a top-level directory, the attacker swaps that
            // very directory and every other top-level one (none has been entered yet) for links.
            var stats = BackgroundDeleter.DeleteInProcess(Common, entry, _sink, CancellationToken.None, relative =>
            {
                visited.Add(relative);
                if (swapped.Count == 0)
                {
                    foreach (var top in new[] { "a", "b", "c" })
                    {
                        SwapForLink(Path.Combine(entry, top), top == relative ? canaryA : canaryB, Path.Combine(_sb.Root, "aside-" + top));
                        swapped.Add(top);
                    }
                }
            });

            Assert.Single(visited);
            Assert.Equal(3, swapped.Count);
            Assert.False(Directory.Exists(entry) || File.Exists(entry), "the entry should be gone");
            Assert.Equal(0, stats.Failures);
            Assert.Equal(3, stats.Files); // the three links themselves
            TrashAttackCanary.AssertIntact(canaryA, snapA);
            TrashAttackCanary.AssertIntact(canaryB, snapB);
        }

        [Fact]
        public void A_deep_directory_swapped_mid_walk_loses_only_the_link()
        {
            var entry = Tree("wt-deep-" + Stamp, "p", "p/q", "p/q/r", "s", "s/t");
            var canary = Path.Combine(_sb.Root, "canary");
            var snap = TrashAttackCanary.Plant(canary);
            var swaps = 0;

            // At each second-level directory the walk is about to enter, the attacker swaps it, and
            // swaps the not-yet-entered directories of the other branch too.
            var stats = BackgroundDeleter.DeleteInProcess(Common, entry, _sink, CancellationToken.None, relative =>
            {
                if (relative == "p/q" || relative == "s/t")
                {
                    SwapForLink(Path.Combine(entry, relative), canary, Path.Combine(_sb.Root, "aside-" + swaps++));
                    var other = relative == "p/q" ? Path.Combine(entry, "s") : Path.Combine(entry, "p");
                    if (Directory.Exists(other) && new DirectoryInfo(other).LinkTarget == null)
                    {
                        SwapForLink(other, canary, Path.Combine(_sb.Root, "aside-" + swaps++));
                    }
                }
            });

            Assert.True(swaps >= 2, "the hook never ran at the second level");
            Assert.False(Directory.Exists(entry) || File.Exists(entry), "the entry should be gone");
            Assert.Equal(0, stats.Failures);
            TrashAttackCanary.AssertIntact(canary, snap);
        }

        [Fact]
        public void The_background_rm_deletes_in_the_folder_that_was_checked_when_wt_is_swapped_before_it_starts()
        {
            var entry = Tree("wt-bg-" + Stamp, "a", "a/b");
            var name = Path.GetFileName(entry);

            // The attacker's look-alike: <evil>/trash/<same entry name>/ with canaries.
            var evil = Path.Combine(_sb.Root, "evil");
            var canary = Path.Combine(evil, "trash", name);
            var snap = TrashAttackCanary.Plant(canary);
            var realState = Path.Combine(Common, "wt.real");

            var pid = BackgroundDeleter.Start(Common, new[] { entry }, Path.Combine(TrashPaths.LogsDir(Common), "internal-remove.log"), _sink, () =>
                SwapForLink(TrashPaths.StateDir(Common), evil, realState));
            _processes.Track(pid);

            // rm runs in the trash folder it was given (now <common>/wt.real/trash), not through the link.
            var moved = Path.Combine(realState, "trash", name);
            Assert.True(TestProcesses.WaitUntil(() => !Directory.Exists(moved) && !TestProcesses.IsAlive(pid), TimeSpan.FromSeconds(30)), "the real entry was not deleted");
            TrashAttackCanary.AssertIntact(canary, snap);

            // No shell: the low-priority prefix runs rm directly, with bare entry names.
            var started = Assert.Single(_sink.Verbose, v => v.Contains(" rm -rf -- ", StringComparison.Ordinal));
            Assert.Matches("^(ionice -c 3 )?nice -n 19 rm -rf -- " + name + " ", started);
        }

        [Fact]
        public void The_background_rm_removes_a_link_swapped_in_for_the_entry_not_its_target()
        {
            var entry = Tree("wt-link-" + Stamp, "a");
            var canary = Path.Combine(_sb.Root, "canary", Path.GetFileName(entry));
            var snap = TrashAttackCanary.Plant(canary);

            var pid = BackgroundDeleter.Start(Common, new[] { entry }, Path.Combine(TrashPaths.LogsDir(Common), "internal-remove.log"), _sink, () =>
                SwapForLink(entry, canary, Path.Combine(_sb.Root, "aside")));
            _processes.Track(pid);

            Assert.True(TestProcesses.WaitUntil(() => !File.Exists(entry) && !Directory.Exists(entry) && !TestProcesses.IsAlive(pid), TimeSpan.FromSeconds(30)), "the link was not removed");
            TrashAttackCanary.AssertIntact(canary, snap);
        }
    }
}

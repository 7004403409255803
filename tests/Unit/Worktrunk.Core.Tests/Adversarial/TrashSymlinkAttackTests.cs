using System;
using System.IO;
using System.Linq;
using System.Threading;
using Worktrunk.Diagnostics;
using Worktrunk.Core.Tests.Removal;
using Worktrunk.Git;
using Worktrunk.Removal;
using Worktrunk.TestSupport;
using Worktrunk.Trash;
using Xunit;

namespace Worktrunk.Core.Tests.Adversarial
{
    /// <summary>
    /// Issue 9, point 1: links, files and other users' entries planted on the way to the trash. Each
    /// attack is refused with its error id and changes nothing, or the sweep passes it by; canaries
    /// where nothing may be touched stay byte-for-byte intact.
    /// </summary>
    public sealed class TrashSymlinkAttackTests : IDisposable
    {
        private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
        private static readonly string Old = (Now.ToUnixTimeSeconds() - (3 * 86400)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        private readonly GitSandbox _sb = GitSandbox.Create();
        private readonly RecordingSink _sink = new RecordingSink();

        public void Dispose() => _sb.Dispose();

        private string Common => _sb.CommonDir;

        private string Trash => TrashPaths.TrashDir(Common);

        [Theory]
        [InlineData("wt")]
        [InlineData("wt/trash")]
        public void A_linked_state_or_trash_folder_is_refused_everywhere_and_nothing_outside_is_touched(string linked)
        {
            // The attacker's tree looks exactly like a trash folder with one stale entry.
            var evil = Path.Combine(_sb.Root, "evil");
            var evilTrash = linked == "wt" ? Path.Combine(evil, "trash") : evil;
            var canary = TrashAttackCanary.Plant(Path.Combine(evilTrash, "x-" + Old));
            var evilSnapshot = TrashAttackCanary.Snapshot(evil);
            var wt = _sb.AddWorktree("feature");
            var worktreeBefore = TrashAttackCanary.Snapshot(wt);
            var link = Path.Combine(Common, linked);
            Directory.CreateDirectory(Path.GetDirectoryName(link)!);
            Directory.CreateSymbolicLink(link, evil);
            var entry = Path.Combine(Trash, "x-" + Old);

            // The sweep (best effort): a warning, nothing collected or started.
            Assert.Equal(0, RemovalSweep.SweepStaleTrash(Common, _sink, Now));
            Assert.Contains(_sink.Warnings, w => w.Contains("symbolic link", StringComparison.Ordinal));
            Assert.Equal(ErrorIds.RepositoryPathIsSymlink, Assert.Throws<WorktrunkException>(() => TrashPaths.CollectStale(Common, Now)).ErrorId);

            // Direct deletion, background or in-process: refused with the id.
            Assert.Equal(ErrorIds.RepositoryPathIsSymlink, Assert.Throws<WorktrunkException>(() => BackgroundDeleter.Start(Common, new[] { entry }, Path.Combine(TrashPaths.LogsDir(Common), "x.log"), _sink)).ErrorId);
            Assert.Equal(ErrorIds.RepositoryPathIsSymlink, Assert.Throws<WorktrunkException>(() => BackgroundDeleter.DeleteInProcess(Common, entry, _sink, CancellationToken.None)).ErrorId);

            // A removal: refused before its directory moves (nothing staged into the attacker's tree).
            var plan = RemovalFixture.Plan(_sb, new GitRunner(_sink), SelectorKind.Branch, "feature");
            var e = Assert.Throws<WorktrunkException>(() => new RemovalExecutor(new GitRunner(_sink), _sink, CancellationToken.None).Execute(plan, true));
            Assert.Equal(ErrorIds.RepositoryPathIsSymlink, e.ErrorId);
            Assert.Equal(worktreeBefore, TrashAttackCanary.Snapshot(wt));
            Assert.Contains(wt, RemovalFixture.Listed(_sb));

            TrashAttackCanary.AssertIntact(Path.Combine(evilTrash, "x-" + Old), canary);
            Assert.Equal(evilSnapshot, TrashAttackCanary.Snapshot(evil));
            Assert.Equal(evil, new DirectoryInfo(link).LinkTarget);
        }

        [Fact]
        public void A_trash_entry_that_links_to_a_stale_looking_directory_elsewhere_is_never_followed()
        {
            // The target's own name is a stale entry's: comparing canonical paths would bless it.
            var elsewhere = Path.Combine(_sb.Root, "elsewhere", "x-" + Old);
            var canary = TrashAttackCanary.Plant(elsewhere);
            Directory.CreateDirectory(Trash);
            var link = Path.Combine(Trash, "x-" + Old);
            Directory.CreateSymbolicLink(link, elsewhere);
            var real = Path.Combine(Trash, "real-" + Old);
            Directory.CreateDirectory(Path.Combine(real, "sub"));
            File.WriteAllText(Path.Combine(real, "sub", "f"), "old");

            // The sweep takes the real stale entry only, and warns about the link.
            Assert.Equal(new[] { real }, TrashPaths.CollectStale(Common, Now, _sink));
            Assert.Contains(_sink.Warnings, w => w.Contains(link, StringComparison.Ordinal) && w.Contains("symbolic link", StringComparison.Ordinal));
            Assert.Equal(1, RemovalSweep.SweepStaleTrash(Common, _sink, Now));
            Assert.True(TestProcesses.WaitUntil(() => !Directory.Exists(real), TimeSpan.FromSeconds(30)), "the real stale entry was not deleted");

            Assert.Equal(ErrorIds.RepositoryPathIsSymlink, Assert.Throws<WorktrunkException>(() => BackgroundDeleter.Start(Common, new[] { link }, Path.Combine(TrashPaths.LogsDir(Common), "x.log"), _sink)).ErrorId);
            Assert.Equal(ErrorIds.RepositoryPathIsSymlink, Assert.Throws<WorktrunkException>(() => BackgroundDeleter.DeleteInProcess(Common, link, _sink, CancellationToken.None)).ErrorId);

            TrashAttackCanary.AssertIntact(elsewhere, canary);
            Assert.Equal(elsewhere, new DirectoryInfo(link).LinkTarget);
        }

        [Fact]
        public void A_trash_entry_that_is_a_file_is_not_stale_and_not_deleted()
        {
            Directory.CreateDirectory(Trash);
            var file = Path.Combine(Trash, "notes-" + Old);
            File.WriteAllText(file, "a user's file with a stale-looking name");

            Assert.Empty(TrashPaths.CollectStale(Common, Now, _sink));
            Assert.Equal(ErrorIds.RepositoryPathNotADirectory, Assert.Throws<WorktrunkException>(() => BackgroundDeleter.Start(Common, new[] { file }, Path.Combine(TrashPaths.LogsDir(Common), "x.log"), _sink)).ErrorId);
            Assert.Equal(ErrorIds.RepositoryPathNotADirectory, Assert.Throws<WorktrunkException>(() => BackgroundDeleter.DeleteInProcess(Common, file, _sink, CancellationToken.None)).ErrorId);
            Assert.Equal("a user's file with a stale-looking name", File.ReadAllText(file));
        }

        [Fact]
        public void Another_users_trash_entry_or_state_folder_is_left_alone()
        {
            var foreign = Path.Combine(Trash, "theirs-" + Old);
            var canary = TrashAttackCanary.Plant(foreign);
            TrashAttackCanary.GiveToAnotherUser(foreign);

            Assert.Empty(TrashPaths.CollectStale(Common, Now, _sink));
            Assert.Contains(_sink.Warnings, w => w.Contains(foreign, StringComparison.Ordinal) && w.Contains("4242", StringComparison.Ordinal));
            Assert.Equal(ErrorIds.RepositoryPathNotOwned, Assert.Throws<WorktrunkException>(() => BackgroundDeleter.Start(Common, new[] { foreign }, Path.Combine(TrashPaths.LogsDir(Common), "x.log"), _sink)).ErrorId);
            Assert.Equal(ErrorIds.RepositoryPathNotOwned, Assert.Throws<WorktrunkException>(() => BackgroundDeleter.DeleteInProcess(Common, foreign, _sink, CancellationToken.None)).ErrorId);
            TrashAttackCanary.AssertIntact(foreign, canary);

            // The state folder itself another user's: the sweep warns, a removal is refused before anything moves.
            TrashAttackCanary.GiveToAnotherUser(TrashPaths.StateDir(Common));
            var wt = _sb.AddWorktree("feature");
            Assert.Equal(0, RemovalSweep.SweepStaleTrash(Common, _sink, Now));
            var plan = RemovalFixture.Plan(_sb, new GitRunner(_sink), SelectorKind.Branch, "feature");
            Assert.Equal(ErrorIds.RepositoryPathNotOwned, Assert.Throws<WorktrunkException>(() => new RemovalExecutor(new GitRunner(_sink), _sink, CancellationToken.None).Execute(plan, false)).ErrorId);
            Assert.True(File.Exists(Path.Combine(wt, ".git")));
            Assert.Contains(wt, RemovalFixture.Listed(_sb));
            TrashAttackCanary.AssertIntact(foreign, canary);
        }

        [Fact]
        public void Only_names_the_trash_move_produces_are_stale()
        {
            foreach (var (name, staged) in new[]
            {
                ("app.feat-1735776000", true),
                ("app.feat~2-1735776000", true),
                ("wt-feature.registration-1735776000", true),
                ("a-b-c-42", true),
                ("x-0123", false),   // a leading zero: the clock never writes one
                ("-1735776000", false),
                ("neg--5", true),    // the name part may end in '-' (a directory named "neg-")
                ("trailing-", false),
                ("nodash", false),
                ("x-+5", false),
            })
            {
                Assert.True(staged == TrashPaths.IsStagedName(name, out _), name);
            }
        }
    }
}

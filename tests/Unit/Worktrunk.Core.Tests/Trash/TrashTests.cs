using System;
using System.IO;
using System.Linq;
using System.Threading;
using Worktrunk.Diagnostics;
using Worktrunk.Trash;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Trash
{
    public sealed class TrashTests : IDisposable
    {
        private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        private readonly string _common = Path.Combine(Path.GetTempPath(), "wt-trash-" + Guid.NewGuid().ToString("N").Substring(0, 8), ".git");

        public TrashTests()
        {
            Directory.CreateDirectory(TrashPaths.TrashDir(_common));
        }

        public void Dispose() => TestFiles.DeleteTree(Path.GetDirectoryName(_common)!);

        [Theory]
        [InlineData("app.feat-1735776000", true, 1735776000L)]
        [InlineData("a-b-c-42", true, 42L)]
        [InlineData("app.feat~2-1735776000", true, 1735776000L)]
        [InlineData("no-timestamp-x1", false, 0L)]
        [InlineData("trailing-", false, 0L)]
        [InlineData("nodash", false, 0L)]
        [InlineData("neg--5", true, 5L)]
        public void Timestamps_parse_after_the_last_dash(string name, bool ok, long ts)
        {
            Assert.Equal(ok, TrashPaths.TryParseTimestamp(name, out var got));
            Assert.Equal(ts, got);
        }

        [Fact]
        public void New_entry_names_are_unique_within_one_second()
        {
            var first = TrashPaths.NewEntryPath(_common, "/x/app.feat/", Now);
            Assert.Equal(Path.Combine(TrashPaths.TrashDir(_common), "app.feat-1800000000"), first);
            Directory.CreateDirectory(first);
            var second = TrashPaths.NewEntryPath(_common, "/x/app.feat", Now);
            Assert.Equal(Path.Combine(TrashPaths.TrashDir(_common), "app.feat~2-1800000000"), second);
            Assert.True(TrashPaths.TryParseTimestamp(Path.GetFileName(second), out var ts) && ts == 1_800_000_000);
        }

        [Fact]
        public void Collects_entries_a_day_old_or_older_and_never_unparsable_ones()
        {
            var trash = TrashPaths.TrashDir(_common);
            var twoDays = Path.Combine(trash, "a-" + (1_800_000_000 - (2 * 86400)));
            var exactlyOneDay = Path.Combine(trash, "b-" + (1_800_000_000 - 86400));
            var oneHour = Path.Combine(trash, "c-" + (1_800_000_000 - 3600));
            var future = Path.Combine(trash, "d-" + (1_800_000_000 + 999));
            var garbage = Path.Combine(trash, "user-notes");
            foreach (var d in new[] { twoDays, exactlyOneDay, oneHour, future })
            {
                Directory.CreateDirectory(d);
            }

            File.WriteAllText(garbage, "keep me");

            // A file is never a staged entry (the trash move stages directories), however old its name says it is.
            File.WriteAllText(Path.Combine(trash, "stray-1"), "old file entry");

            var stale = TrashPaths.CollectStale(_common, Now);
            Assert.Equal(new[] { twoDays, exactlyOneDay }.OrderBy(p => p, StringComparer.Ordinal), stale);
            Assert.Equal("old file entry", File.ReadAllText(Path.Combine(trash, "stray-1")));
        }

        [Fact]
        public void Missing_trash_folder_collects_nothing()
        {
            Assert.Empty(TrashPaths.CollectStale(_common + "-absent", Now));
        }

        [Theory]
        [InlineData("/etc")]
        [InlineData("..")]
        public void Refuses_to_delete_anything_outside_the_trash(string relative)
        {
            var outside = Path.GetFullPath(Path.Combine(TrashPaths.TrashDir(_common), relative));
            var e = Assert.Throws<WorktrunkException>(() => BackgroundDeleter.Start(_common, new[] { outside }, Path.Combine(_common, "wt", "log"), NullSink.Instance));
            Assert.Equal(ErrorIds.NotATrashEntry, e.ErrorId);
            Assert.True(Directory.Exists(outside));
        }

        [Fact]
        public void Refuses_a_nested_path_and_the_trash_folder_itself()
        {
            var trash = TrashPaths.TrashDir(_common);
            Assert.Throws<WorktrunkException>(() => BackgroundDeleter.EnsureTrashEntry(_common, trash));
            Assert.Throws<WorktrunkException>(() => BackgroundDeleter.EnsureTrashEntry(_common, Path.Combine(trash, "a-1", "b")));
            BackgroundDeleter.EnsureTrashEntry(_common, Path.Combine(trash, "a-1"));
        }

        [Fact]
        public void Background_deletion_removes_the_entries_detached()
        {
            var trash = TrashPaths.TrashDir(_common);
            var entry = Path.Combine(trash, "tree-1");
            var keep = Path.Combine(trash, "keep-2");
            Directory.CreateDirectory(Path.Combine(entry, "a", "b"));
            Directory.CreateDirectory(keep);
            File.WriteAllText(Path.Combine(entry, "a", "b", "f.txt"), "x");
            var log = Path.Combine(TrashPaths.LogsDir(_common), "sweep.log");

            BackgroundDeleter.Start(_common, new[] { entry }, log, NullSink.Instance);

            Assert.True(TestProcesses.WaitUntil(() => !Directory.Exists(entry), TimeSpan.FromSeconds(10)));
            Assert.True(Directory.Exists(keep));
            Assert.True(File.Exists(log));
        }

        [Fact]
        public void In_process_deletion_counts_files_and_bytes_and_does_not_follow_symlinks()
        {
            var trash = TrashPaths.TrashDir(_common);
            var entry = Path.Combine(trash, "tree-3");
            var outside = Path.Combine(Path.GetDirectoryName(_common)!, "outside");
            Directory.CreateDirectory(outside);
            File.WriteAllText(Path.Combine(outside, "precious.txt"), "do not delete");
            Directory.CreateDirectory(Path.Combine(entry, "d"));
            File.WriteAllText(Path.Combine(entry, "one.txt"), "12345");
            File.WriteAllText(Path.Combine(entry, "d", "two.txt"), "123");
            Directory.CreateSymbolicLink(Path.Combine(entry, "link-to-outside"), outside);

            var stats = BackgroundDeleter.DeleteInProcess(_common, entry, NullSink.Instance, CancellationToken.None);

            Assert.False(Directory.Exists(entry));
            Assert.Equal(3, stats.Files);
            Assert.Equal(8, stats.Bytes);
            Assert.Equal(0, stats.Failures);
            Assert.True(File.Exists(Path.Combine(outside, "precious.txt")));
        }
    }
}

using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using Worktrunk.Core.Tests.Adversarial;
using Worktrunk.Diagnostics;
using Worktrunk.Interop;
using Worktrunk.IO;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.IO
{
    /// <summary>The safe filesystem layer: component-by-component opens that refuse links, files and other users' directories; the descriptor walk.</summary>
    public sealed class SafeDirectoryTests : IDisposable
    {
        private readonly string _root = Path.Combine(Path.GetTempPath(), "wt-safefs-" + Guid.NewGuid().ToString("N").Substring(0, 10));
        private readonly string _common;

        public SafeDirectoryTests()
        {
            _common = Path.Combine(_root, "repo", ".git");
            Directory.CreateDirectory(_common);
        }

        public void Dispose() => TestFiles.DeleteTree(_root);

        [Fact]
        public void Flags_are_chosen_per_operating_system_and_architecture()
        {
            // Linux x86-64 (asm-generic values) and arm64 (its own O_DIRECTORY/O_NOFOLLOW), macOS (one set on both CPUs).
            var x64 = Libc.FileFlags.For(false, Architecture.X64)!;
            Assert.Equal((0x10000, 0x20000, 0x80000, -100, 0x100, 0x200, 40, 11), (x64.ODirectory, x64.ONoFollow, x64.OCloexec, x64.AtFdCwd, x64.AtSymlinkNoFollow, x64.AtRemoveDir, x64.ELoop, x64.EWouldBlock));
            var arm64 = Libc.FileFlags.For(false, Architecture.Arm64)!;
            Assert.Equal((0x4000, 0x8000, 0x80000, -100, 0x100, 0x200, 40), (arm64.ODirectory, arm64.ONoFollow, arm64.OCloexec, arm64.AtFdCwd, arm64.AtSymlinkNoFollow, arm64.AtRemoveDir, arm64.ELoop));
            foreach (var arch in new[] { Architecture.X64, Architecture.Arm64 })
            {
                var mac = Libc.FileFlags.For(true, arch)!;
                Assert.True(mac.MacOS);
                Assert.Equal((0x100000, 0x100, 0x1000000, 0x200, 0x8, -2, 0x20, 0x80, 62, 35, 66), (mac.ODirectory, mac.ONoFollow, mac.OCloexec, mac.OCreat, mac.OAppend, mac.AtFdCwd, mac.AtSymlinkNoFollow, mac.AtRemoveDir, mac.ELoop, mac.EWouldBlock, mac.ENotEmpty));
            }

            // An architecture whose values are unknown gets none (the layer refuses to guess).
            Assert.Null(Libc.FileFlags.For(false, Architecture.S390x));

            // This process uses the set for what it runs on (Linux here: the opens below depend on it).
            Assert.Same(Libc.Fs, Libc.Fs);
            Assert.Equal(Libc.FileFlags.For(false, RuntimeInformation.ProcessArchitecture)!.ONoFollow, Libc.Fs.ONoFollow);
        }

        [Fact]
        public void Opens_and_creates_the_state_path_component_by_component()
        {
            Assert.Null(SafeDirectory.Open(_common, false, "wt", "trash"));
            Assert.False(Directory.Exists(Path.Combine(_common, "wt")));
            using (var trash = SafeDirectory.Open(_common, true, "wt", "trash"))
            {
                Assert.NotNull(trash);
                Assert.True(Directory.Exists(Path.Combine(_common, "wt", "trash")));
                Directory.CreateDirectory(Path.Combine(_common, "wt", "trash", "entry-1"));
                File.WriteAllText(Path.Combine(_common, "wt", "trash", "file-2"), "12345");
                Assert.Equal(FsKind.Directory, trash!.Stat("entry-1").Kind);
                var file = trash.Stat("file-2");
                Assert.Equal((FsKind.File, 5L, 0L), (file.Kind, file.Size, file.Uid));
                Assert.Equal(FsKind.Missing, trash.Stat("nothing").Kind);
                Assert.True(trash.RequireOwnDirectory("entry-1"));
                Assert.False(trash.RequireOwnDirectory("nothing"));
                Assert.Equal(ErrorIds.RepositoryPathNotADirectory, Assert.Throws<WorktrunkException>(() => trash.RequireOwnDirectory("file-2")).ErrorId);
            }
        }

        [Fact]
        public void A_symlinked_component_is_refused_and_nothing_is_created_through_it()
        {
            var elsewhere = Path.Combine(_root, "elsewhere");
            Directory.CreateDirectory(elsewhere);
            Directory.CreateSymbolicLink(Path.Combine(_common, "wt"), elsewhere);

            var e = Assert.Throws<WorktrunkException>(() => SafeDirectory.Open(_common, true, "wt", "trash"));
            Assert.Equal(ErrorIds.RepositoryPathIsSymlink, e.ErrorId);
            Assert.Empty(Directory.GetFileSystemEntries(elsewhere));

            // The same one level down.
            File.Delete(Path.Combine(_common, "wt"));
            Directory.CreateDirectory(Path.Combine(_common, "wt"));
            Directory.CreateSymbolicLink(Path.Combine(_common, "wt", "logs"), elsewhere);
            Assert.Equal(ErrorIds.RepositoryPathIsSymlink, Assert.Throws<WorktrunkException>(() => SafeDirectory.Open(_common, true, "wt", "logs")).ErrorId);
            Assert.Empty(Directory.GetFileSystemEntries(elsewhere));
        }

        [Fact]
        public void A_file_or_another_users_directory_is_refused()
        {
            File.WriteAllText(Path.Combine(_common, "wt"), "not a directory");
            Assert.Equal(ErrorIds.RepositoryPathNotADirectory, Assert.Throws<WorktrunkException>(() => SafeDirectory.Open(_common, true, "wt", "trash")).ErrorId);
            Assert.Equal("not a directory", File.ReadAllText(Path.Combine(_common, "wt")));

            File.Delete(Path.Combine(_common, "wt"));
            Directory.CreateDirectory(Path.Combine(_common, "wt"));
            TrashAttackCanary.GiveToAnotherUser(Path.Combine(_common, "wt"));
            Assert.Equal(ErrorIds.RepositoryPathNotOwned, Assert.Throws<WorktrunkException>(() => SafeDirectory.Open(_common, true, "wt", "trash")).ErrorId);
            Assert.False(Directory.Exists(Path.Combine(_common, "wt", "trash")));
        }

        [Fact]
        public void A_log_file_planted_as_a_symlink_is_refused_not_written_through()
        {
            var canary = Path.Combine(_root, "canary.txt");
            File.WriteAllText(canary, "keep");
            using var logs = SafeDirectory.Open(_common, true, "wt", "logs")!;
            File.CreateSymbolicLink(Path.Combine(_common, "wt", "logs", "internal-remove.log"), canary);
            Assert.Equal(ErrorIds.RepositoryPathIsSymlink, Assert.Throws<WorktrunkException>(() => logs.OpenFileForAppend("internal-remove.log", Convert.ToUInt32("600", 8))).ErrorId);
            Assert.Equal("keep", File.ReadAllText(canary));

            // A fresh log is created 0600 and appended to.
            var fd = logs.OpenFileForAppend("fresh.log", Convert.ToUInt32("600", 8));
            Libc.close(fd);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_common, "wt", "logs", "fresh.log")));
        }

        [Fact]
        public void The_descriptor_walk_deletes_a_tree_with_links_and_names_that_are_not_utf8()
        {
            using var parent = SafeDirectory.Open(_common, true, "wt", "trash")!;
            var tree = Path.Combine(_common, "wt", "trash", "tree-1");
            Directory.CreateDirectory(Path.Combine(tree, "a", "b", "c"));
            File.WriteAllText(Path.Combine(tree, "a", "b", "c", "deep.txt"), "1234");
            File.WriteAllText(Path.Combine(tree, "top.txt"), "12");
            var outside = Path.Combine(_root, "outside");
            var snapshot = TrashAttackCanary.Plant(outside);
            Directory.CreateSymbolicLink(Path.Combine(tree, "a", "to-outside"), outside);
            File.CreateSymbolicLink(Path.Combine(tree, "to-file"), Path.Combine(outside, "precious.bin"));

            // A file name that is not valid UTF-8 (bytes 'x', 0xFF): created by a real shell, deleted as the bytes it is.
            var psi = new ProcessStartInfo("sh") { ArgumentList = { "-c", "printf 'abc' > \"$(printf 'x\\377')\"" }, WorkingDirectory = Path.Combine(tree, "a") };
            using (var p = Process.Start(psi)!)
            {
                p.WaitForExit();
                Assert.Equal(0, p.ExitCode);
            }

            var counts = SafeDelete.Tree(parent, "tree-1", CancellationToken.None);

            Assert.False(Directory.Exists(tree));
            Assert.Equal(0, counts.Failures);
            Assert.Equal(5, counts.Files); // deep.txt, top.txt, the two links, the non-UTF-8 file
            Assert.Equal(4 + 2 + 3, counts.Bytes);
            TrashAttackCanary.AssertIntact(outside, snapshot);
        }

        [Fact]
        public void The_walk_stops_between_entries_when_cancelled_and_reports_progress_every_500_files()
        {
            using var parent = SafeDirectory.Open(_common, true, "wt", "trash")!;
            var tree = Path.Combine(_common, "wt", "trash", "many-1");
            Directory.CreateDirectory(tree);
            for (var i = 0; i < 1001; i++)
            {
                File.WriteAllText(Path.Combine(tree, "f" + i), "x");
            }

            var reports = 0;
            var counts = SafeDelete.Tree(parent, "many-1", CancellationToken.None, c => reports++);
            Assert.Equal(2, reports);
            Assert.Equal(1001, counts.Files);

            Directory.CreateDirectory(Path.Combine(tree, "sub"));
            File.WriteAllText(Path.Combine(tree, "sub", "kept.txt"), "x");
            using var cts = new CancellationTokenSource();
            cts.Cancel();
            Assert.Throws<OperationCanceledException>(() => SafeDelete.Tree(parent, "many-1", cts.Token));
            Assert.True(File.Exists(Path.Combine(tree, "sub", "kept.txt")));
        }
    }
}

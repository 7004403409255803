using System;
using System.IO;
using Worktrunk.IO;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.IO
{
    /// <summary>The rename into the trash never replaces what is at its destination, even an empty directory rename(2) would replace.</summary>
    public sealed class NoReplaceRenameTests : IDisposable
    {
        private readonly string _root = Path.Combine(Path.GetTempPath(), "wt-rename-" + Guid.NewGuid().ToString("N").Substring(0, 10));

        public NoReplaceRenameTests()
        {
            Directory.CreateDirectory(_root);
        }

        public void Dispose() => TestFiles.DeleteTree(_root);

        [Fact]
        public void Moves_a_directory_with_its_contents()
        {
            var from = Path.Combine(_root, "a");
            Directory.CreateDirectory(Path.Combine(from, "sub"));
            File.WriteAllText(Path.Combine(from, "sub", "f.txt"), "x");
            var to = Path.Combine(_root, "b");
            NoReplaceRename.Move(from, to);
            Assert.False(Directory.Exists(from));
            Assert.Equal("x", File.ReadAllText(Path.Combine(to, "sub", "f.txt")));
        }

        [Fact]
        public void Never_replaces_an_existing_destination_not_even_an_empty_directory()
        {
            var from = Path.Combine(_root, "a");
            Directory.CreateDirectory(from);
            File.WriteAllText(Path.Combine(from, "f.txt"), "kept");

            // An empty directory: plain rename(2) would silently replace it.
            var empty = Path.Combine(_root, "empty");
            Directory.CreateDirectory(empty);
            var e = Assert.Throws<IOException>(() => NoReplaceRename.Move(from, empty));
            Assert.Contains("already exists", e.Message);
            Assert.True(File.Exists(Path.Combine(from, "f.txt")));
            Assert.Empty(Directory.GetFileSystemEntries(empty));

            // A file.
            var file = Path.Combine(_root, "file");
            File.WriteAllText(file, "other");
            Assert.Throws<IOException>(() => NoReplaceRename.Move(from, file));
            Assert.Equal("other", File.ReadAllText(file));
            Assert.True(Directory.Exists(from));
        }

        [Fact]
        public void A_missing_source_or_destination_folder_is_DirectoryNotFound()
        {
            Assert.Throws<DirectoryNotFoundException>(() => NoReplaceRename.Move(Path.Combine(_root, "nope"), Path.Combine(_root, "x")));
            var from = Path.Combine(_root, "a");
            Directory.CreateDirectory(from);
            Assert.Throws<DirectoryNotFoundException>(() => NoReplaceRename.Move(from, Path.Combine(_root, "no", "such", "x")));
            Assert.True(Directory.Exists(from));
        }
    }
}

using System.IO;
using System.Linq;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.PowerShell.Tests
{
    /// <summary>
    /// Get-WtWorktree -Path takes a file as well as a directory (help Example 4): the worktree is the
    /// one whose directory holds the file's entry, resolved against the session's location.
    /// </summary>
    public sealed class GetWtWorktreeFileTests
    {
        private const string Id = ",Worktrunk.PowerShell.Commands.GetWtWorktreeCommand";

        [Fact]
        public void A_file_path_gives_the_worktree_that_holds_it()
        {
            using var sb = GitSandbox.Create();
            var feature = sb.AddWorktree("feature/file");
            Directory.CreateDirectory(Path.Combine(feature, "src", "deep"));
            File.WriteAllText(Path.Combine(feature, "src", "deep", "notes.txt"), "x");
            File.WriteAllText(Path.Combine(sb.RepoPath, "MAIN.md"), "x");
            using var ps = new PowerShellSession(sb.RepoPath);

            var main = ps.Invoke("Get-WtWorktree -Path ./MAIN.md");
            Assert.Null(main.Terminating);
            Assert.Empty(main.Errors);
            Assert.Equal("main", main.Single<WtWorktree>().Branch);

            var deep = ps.Invoke("Get-WtWorktree -Path $args[0]", Path.Combine(feature, "src", "deep", "notes.txt"));
            Assert.Null(deep.Terminating);
            Assert.Empty(deep.Errors);
            Assert.Equal("feature/file", deep.Single<WtWorktree>().Branch);

            // A file first in the pipeline also locates the repository (the bug: PathNotFound).
            ps.SetLocation(Path.GetTempPath());
            var piped = ps.Invoke("Get-Item -LiteralPath $args[0] | Get-WtWorktree", Path.Combine(feature, "src", "deep", "notes.txt"));
            Assert.Null(piped.Terminating);
            Assert.Equal("feature/file", piped.Single<WtWorktree>().Branch);
        }

        [Fact]
        public void A_symlink_to_a_file_in_another_worktree_belongs_to_the_worktree_holding_the_link()
        {
            using var sb = GitSandbox.Create();
            var a = sb.AddWorktree("wt-a");
            var b = sb.AddWorktree("wt-b");
            File.WriteAllText(Path.Combine(b, "target.txt"), "x");
            var link = Path.Combine(a, "link.txt");
            File.CreateSymbolicLink(link, Path.Combine(b, "target.txt"));
            using var ps = new PowerShellSession(sb.RepoPath);

            var r = ps.Invoke("Get-WtWorktree -Path $args[0]", link);
            Assert.Empty(r.Errors);
            Assert.Equal("wt-a", r.Single<WtWorktree>().Branch);
        }

        [Fact]
        public void A_missing_path_is_still_refused_and_a_file_outside_the_repository_matches_nothing()
        {
            using var sb = GitSandbox.Create();
            using var ps = new PowerShellSession(sb.RepoPath);

            var missing = ps.Invoke("Get-WtWorktree -Path ./no-such-file.txt");
            Assert.Empty(missing.Output);
            Assert.Contains(missing.ErrorIds, e => e == "PathNotFound" + Id || e == "WorktreeNotFound" + Id);

            var outsideFile = Path.Combine(sb.Root, "outside.txt");
            File.WriteAllText(outsideFile, "x");
            var outside = ps.Invoke("Get-WtWorktree -Repository . -Path $args[0]", outsideFile);
            Assert.Empty(outside.Output);
            Assert.Equal("WorktreeNotFound" + Id, Assert.Single(outside.ErrorIds));
        }
    }
}

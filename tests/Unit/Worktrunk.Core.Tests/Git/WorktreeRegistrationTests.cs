using System.IO;
using System.Linq;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.IO;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Git
{
    /// <summary>
    /// WorktreeLister matches a linked worktree to its registration (&lt;common&gt;/worktrees/&lt;id&gt;)
    /// by the path text git prints and falls back to canonical paths only when the texts differ.
    /// </summary>
    public sealed class WorktreeRegistrationTests
    {
        private static readonly GitRunner Git = new GitRunner(NullSink.Instance);

        [Fact]
        public void A_registration_whose_text_differs_from_the_printed_path_is_still_found()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("odd");
            var registration = Path.Combine(sb.CommonDir, "worktrees", "wt-odd");

            // git prints the gitdir file's text less "/.git": "<wt>/." here, while the registration
            // resolves to "<wt>"; only the canonical comparison can pair them.
            File.WriteAllText(Path.Combine(registration, "gitdir"), wt + "/./.git\n");
            var repo = RepositoryLocator.Locate(sb.RepoPath, Git);
            var listed = WorktreeLister.List(repo, Git, wt).Single(w => w.Branch == "odd");

            Assert.Equal(wt + "/.", listed.Path);
            Assert.Equal(PathUtil.Canonicalize(registration), listed.GitDir);
            Assert.True(listed.IsCurrent);
        }

        [Fact]
        public void Registrations_match_by_text_then_by_canonical_path()
        {
            using var sb = GitSandbox.Create();
            var real = Path.Combine(sb.Root, "real");
            Directory.CreateDirectory(Path.Combine(real, "wt"));
            var link = Path.Combine(sb.Root, "link");
            Directory.CreateSymbolicLink(link, real);

            var registrations = new WorktreeLister.Registrations();
            registrations.Add(Path.Combine(link, "wt"), "/gitdir/one");
            Assert.Equal("/gitdir/one", registrations.Find(Path.Combine(link, "wt") + "/", "unused"));
            Assert.Equal("/gitdir/one", registrations.Find(Path.Combine(real, "wt"), PathUtil.Canonicalize(Path.Combine(real, "wt"))));
            Assert.Null(registrations.Find(Path.Combine(real, "other"), PathUtil.Canonicalize(Path.Combine(real, "other"))));
        }

        [Fact]
        public void Every_linked_worktree_of_many_gets_its_own_git_dir()
        {
            using var sb = GitSandbox.Create();
            for (var i = 0; i < 12; i++)
            {
                sb.AddWorktree($"many-{i:D2}");
            }

            var repo = RepositoryLocator.Locate(sb.RepoPath, Git);
            var list = WorktreeLister.List(repo, Git, sb.RepoPath);
            Assert.Equal(13, list.Count);
            foreach (var w in list.Skip(1))
            {
                Assert.Equal(Path.Combine(repo.CommonDir, "worktrees", "wt-" + w.Branch), w.GitDir);
            }

            Assert.Equal(12, WorktreeLister.ReadRegistrations(repo.CommonDir).Count);
        }
    }
}

using System.IO;
using Worktrunk.Removal;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Removal
{
    /// <summary>The pure parts of the one guard: escaping names for messages, reading a detached HEAD, classifying status stderr.</summary>
    public sealed class GuardsTests
    {
        [Theory]
        [InlineData("plain name.txt", "plain name.txt")]
        [InlineData("a\nb", "\"a\\nb\"")]
        [InlineData("tab\there", "\"tab\\there\"")]
        [InlineData("cr\r\\q\"", "\"cr\\r\\\\q\\\"\"")]
        [InlineData("bell\a", "\"bell\\x07\"")]
        [InlineData("back\\slash without control", "back\\slash without control")]
        public void Display_escapes_names_with_control_characters_as_git_quotes_them(string raw, string shown)
        {
            Assert.Equal(shown, RemovalGuards.Display(raw));
        }

        [Fact]
        public void Status_entries_with_newlines_in_names_cannot_forge_lines()
        {
            var entries = DirtyGate.Parse("?? evil\n  ?? forged\0R  new\nname\0old\tname\0 M ok.txt\0");
            Assert.Equal(new[] { "?? \"evil\\n  ?? forged\"", "R  \"new\\nname\" (from \"old\\tname\")", " M ok.txt" }, entries);
            foreach (var e in entries)
            {
                Assert.DoesNotContain("\n", e);
            }
        }

        [Fact]
        public void The_detached_HEAD_reader_tells_a_branch_from_a_commit_and_declines_what_only_git_can_say()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            var registration = Path.Combine(sb.CommonDir, "worktrees", "wt-feature");
            Assert.True(DetachedHeadGate.TryDetachedHead(registration, out var onBranch));
            Assert.Null(onBranch);

            sb.Git(wt, "checkout", "-q", "--detach");
            Assert.True(DetachedHeadGate.TryDetachedHead(registration, out var detached));
            Assert.Equal(sb.Git(wt, "rev-parse", "HEAD").Trim(), detached);

            // The reftable backend's placeholder HEAD: only git can say.
            var fake = Path.Combine(sb.Root, "fake-gitdir");
            Directory.CreateDirectory(fake);
            File.WriteAllText(Path.Combine(fake, "HEAD"), "ref: refs/heads/.invalid\n");
            Assert.False(DetachedHeadGate.TryDetachedHead(fake, out _));
            File.WriteAllText(Path.Combine(fake, "HEAD"), "garbage\n");
            Assert.False(DetachedHeadGate.TryDetachedHead(fake, out _));
        }

        [Fact]
        public void Status_stderr_about_unreadable_directories_is_picked_out_and_other_notes_are_not()
        {
            Assert.Equal(
                new[] { "warning: could not open directory 'a/': Permission denied" },
                DirtyGate.Unreadable("warning: could not open directory 'a/': Permission denied\nhint: something harmless\n"));
            Assert.Empty(DirtyGate.Unreadable("hint: something harmless\n"));
        }
    }
}

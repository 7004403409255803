using Worktrunk.Git;
using Xunit;

namespace Worktrunk.Core.Tests.Git
{
    public sealed class WorktreeListParserTests
    {
        [Fact]
        public void Parses_every_key_with_nul_separated_records()
        {
            var output =
                "worktree /r/main\0HEAD 1111111111111111111111111111111111111111\0branch refs/heads/main\0\0" +
                "worktree /r/with space/ü\0HEAD 2222222222222222222222222222222222222222\0detached\0locked moving disks\0\0" +
                "worktree /r/gone\0HEAD 3333333333333333333333333333333333333333\0branch refs/heads/feature/x\0prunable gitdir file points to non-existent location\0\0" +
                "worktree /r/locked-no-reason\0HEAD 4444444444444444444444444444444444444444\0branch refs/heads/l\0locked\0future-key value\0\0";
            var records = WorktreeListParser.Parse(output);

            Assert.Equal(4, records.Count);
            Assert.Equal("/r/main", records[0].Path);
            Assert.Equal("refs/heads/main", records[0].BranchRef);
            Assert.False(records[0].IsLocked);

            Assert.Equal("/r/with space/ü", records[1].Path);
            Assert.True(records[1].IsDetached);
            Assert.Null(records[1].BranchRef);
            Assert.True(records[1].IsLocked);
            Assert.Equal("moving disks", records[1].LockReason);

            Assert.True(records[2].IsPrunable);
            Assert.Equal("gitdir file points to non-existent location", records[2].PrunableReason);
            Assert.Equal("feature/x", WorktreeListParser.ShortBranchName(records[2].BranchRef!));

            Assert.True(records[3].IsLocked);
            Assert.Equal(string.Empty, records[3].LockReason);
        }

        [Fact]
        public void Keeps_the_last_record_without_a_trailing_blank_line_and_parses_bare()
        {
            var records = WorktreeListParser.Parse("worktree /r/bare.git\0bare\0\0worktree /r/wt\0HEAD 1\0branch refs/heads/b");
            Assert.Equal(2, records.Count);
            Assert.True(records[0].IsBare);
            Assert.Equal("refs/heads/b", records[1].BranchRef);
        }

        [Fact]
        public void A_path_with_a_newline_stays_one_path()
        {
            var records = WorktreeListParser.Parse("worktree /r/a\nb\0HEAD 1\0\0");
            Assert.Single(records);
            Assert.Equal("/r/a\nb", records[0].Path);
        }

        [Fact]
        public void Ignores_attributes_before_any_record()
        {
            var records = WorktreeListParser.Parse("HEAD 1\0branch refs/heads/x\0\0worktree /r/a\0\0");
            Assert.Single(records);
            Assert.Null(records[0].BranchRef);
        }
    }
}

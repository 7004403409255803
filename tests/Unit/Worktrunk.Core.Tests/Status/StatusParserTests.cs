using Worktrunk.Status;
using Xunit;

namespace Worktrunk.Core.Tests.Status
{
    /// <summary>The pure parsers of -Status: porcelain v2 counts, merge-tree --stdin records, the sequencer's todo.</summary>
    public sealed class StatusParserTests
    {
        private const string Oid = "0123456789abcdef0123456789abcdef01234567";

        [Fact]
        public void Counts_each_side_of_each_entry_kind()
        {
            var text =
                "1 A. N... 000000 100644 100644 " + Oid + " " + Oid + " added.txt\0" +
                "1 MM N... 100644 100644 100644 " + Oid + " " + Oid + " both.txt\0" +
                "1 .D N... 100644 100644 000000 " + Oid + " " + Oid + " gone.txt\0" +
                "2 R. N... 100644 100644 100644 " + Oid + " " + Oid + " R100 new name.txt\0old name.txt\0" +
                "u UU N... 100644 100644 100644 100644 " + Oid + " " + Oid + " " + Oid + " conflict.txt\0" +
                "? untracked dir/\0" +
                "? 2 R. looks like an entry.txt\0" +
                "! ignored.log\0";
            var c = PorcelainStatusParser.Parse(text)!;
            Assert.Equal(3, c.Staged);
            Assert.Equal(2, c.Modified);
            Assert.Equal(2, c.Untracked);
            Assert.Equal(1, c.Conflicted);
        }

        [Fact]
        public void The_original_path_of_a_rename_is_never_read_as_an_entry()
        {
            // The original path begins with "1 M." yet is a path: skipped as the rename's second field.
            var c = PorcelainStatusParser.Parse("2 R. N... 100644 100644 100644 " + Oid + " " + Oid + " R100 b\0" + "1 MM x\0")!;
            Assert.Equal(1, c.Staged);
            Assert.Equal(0, c.Modified);
        }

        [Fact]
        public void Clean_is_all_zero_and_unknown_shapes_are_declined()
        {
            var clean = PorcelainStatusParser.Parse(string.Empty)!;
            Assert.Equal(0, clean.Staged + clean.Modified + clean.Untracked + clean.Conflicted);
            Assert.Null(PorcelainStatusParser.Parse("M  v1 line\0"));
            Assert.Null(PorcelainStatusParser.Parse("1 M\0"));
            Assert.Null(PorcelainStatusParser.Parse("2 R. N... 100644 100644 100644 " + Oid + " " + Oid + " R100 b"));
        }

        [Fact]
        public void Merge_tree_stdin_records_with_and_without_conflicts()
        {
            var tree2 = "fedcba9876543210fedcba9876543210fedcba98";
            var list = MergeTreeStdinParser.Parse("1\0" + Oid + "\0\0" + "0\0" + tree2 + "\0a.txt\0b.txt\0\0" + "1\0" + Oid + "\0\0")!;
            Assert.Equal(3, list.Count);
            Assert.True(list[0].Clean);
            Assert.False(list[1].Clean);
            Assert.Equal(tree2, list[1].Tree);
            Assert.Null(MergeTreeStdinParser.Parse("1\0" + Oid + "\0"));
            Assert.Null(MergeTreeStdinParser.Parse("1\0" + Oid + "\0\0" + "1"));
            Assert.Null(MergeTreeStdinParser.Parse("0\0" + Oid + "\0a.txt\0"));
            Assert.Null(MergeTreeStdinParser.Parse("2\0" + Oid + "\0\0"));
            Assert.Empty(MergeTreeStdinParser.Parse(string.Empty)!);
        }

        [Fact]
        public void The_prefilter_proves_not_integrated_only_for_a_clean_merge_that_changes_the_target()
        {
            const string Target = "1111111111111111111111111111111111111111";
            Assert.True(WorktreeStatusReader.PrefilterProvesNotIntegrated(new MergeOutcome(true, Oid), Target));
            Assert.False(WorktreeStatusReader.PrefilterProvesNotIntegrated(new MergeOutcome(true, Target), Target));
            Assert.False(WorktreeStatusReader.PrefilterProvesNotIntegrated(new MergeOutcome(false, Oid), Target));
            Assert.False(WorktreeStatusReader.PrefilterProvesNotIntegrated(new MergeOutcome(false, null), Target));
            Assert.False(WorktreeStatusReader.PrefilterProvesNotIntegrated(null, Target));
        }

        [Fact]
        public void Ahead_behind_from_one_graph_walk_counts_as_rev_list_left_right_does()
        {
            static string Id(char c) => new string(c, 40);

            // c1 shared (not listed); base c3 <- c2; tips t2 <- t1 <- c2 and the merge m of c3 and t1.
            var graph = $"{Id('3')} {Id('2')}\n{Id('b')} {Id('a')}\n{Id('a')} {Id('2')}\n{Id('2')} {Id('1')}\n{Id('e')} {Id('3')} {Id('a')}\n";
            var counts = AheadBehindBatch.FromGraph(graph, Id('3'), new[] { Id('b'), Id('e'), Id('3'), Id('2') })!;
            Assert.Equal((2, 1), counts[Id('b')]);
            Assert.Equal((2, 0), counts[Id('e')]);
            Assert.Equal((0, 0), counts[Id('3')]);
            Assert.Equal((0, 1), counts[Id('2')]);
            Assert.Null(AheadBehindBatch.FromGraph("not a commit\n", Id('3'), new[] { Id('b') }));
        }

        [Theory]
        [InlineData("pick 0123 subject\n", WtWorktreeOperation.CherryPick)]
        [InlineData("  \n\tp 0123 subject\n", WtWorktreeOperation.CherryPick)]
        [InlineData("revert 0123 subject\n", WtWorktreeOperation.Revert)]
        [InlineData("pickle 0123\n", null)]
        [InlineData("pick\n", null)]
        [InlineData("squash 0123\n", null)]
        public void The_sequencer_todo_as_git_reads_its_first_command(string todo, WtWorktreeOperation? expected)
        {
            var file = System.IO.Path.GetTempFileName();
            try
            {
                System.IO.File.WriteAllText(file, todo);
                Assert.Equal(expected, OperationReader.SequencerCommand(file));
            }
            finally
            {
                System.IO.File.Delete(file);
            }
        }
    }
}

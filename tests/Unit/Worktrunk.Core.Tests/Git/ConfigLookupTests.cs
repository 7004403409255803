using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Worktrunk.Git;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Git
{
    /// <summary>
    /// The in-process config reader against git itself: every file it accepts, it reads exactly as
    /// `git config --file f --list -z` does; whatever git rejects, it rejects; and a lookup answers
    /// what `git config --get` answers, or declines and lets git answer.
    /// </summary>
    public sealed class ConfigLookupTests
    {
        public static IEnumerable<object[]> Files() => new[]
        {
            "[init]\n\tdefaultBranch = trunk\n",
            "[init] defaultBranch = trunk",
            "[INIT]\n DEFAULTBRANCH=trunk ; a comment\n",
            "[init]\n defaultBranch = \"tr unk\" # a comment\n",
            "[init]\n defaultBranch = a\\\n b\n",
            "[init]\n defaultBranch = a  \t b  \n",
            "[init \"sub\"]\n defaultBranch = x\n[init]\ndefaultBranch=y\n",
            "[init \"Sub \\\"q\\\" \\\\ x\"]\n defaultBranch = x\n",
            "[init.Sub]\n defaultBranch = x\n",
            "\uFEFF[init]\r\n defaultBranch = crlf\r\n",
            "[init]\n defaultBranch\n",
            "[init]\n defaultBranch =\n",
            "[init]\n defaultBranch = \"unterminated\n",
            "[init]\n defaultBranch = bad\\q\n",
            "[init]\n defaultBranch = esc\\t\\n\\b\\\\\\\"end\n",
            "[include]\n path = other\n",
            "[init]\n defaultBranch = first\n defaultBranch = second\n",
            "# only a comment\n; another\n\n",
            "[core]\n\tbare = false\n[remote \"Origin\"]\n\turl = x\n\tfetch = +refs/heads/*:refs/remotes/Origin/*\n",
            "[init]\n defaultBranch = a#b\n",
            "[init]\n defaultBranch = \"a#b\"\n",
            "key = outside\n",
            "[sec tion]\n",
            "[init]\n 1key = x\n",
            "[init]\n de_fault = x\n",
            "[init]\n defaultBranch = x # c\n [other] k = v\n",
            "[]\n k = v\n",
            "[init \"a\nb\"]\n k = v\n",
            "[init] [core] k = v\n",
            "[init]\n k v\n",
            "[init]\n\n\n\tdefaultBranch\t=\t\"  spaced  \"\t\n",
            "[init]\n defaultBranch = a   b \t \n",
            "[init]\n defaultBranch = \"a \t b\"\n",
            "[init]\n defaultBranch = a\t\tb\n",
            "[init]\n defaultBranch = \"a\"\tb ; c\n",
            "[init]\n defaultBranch = a \\\n\tb\n",
        }.Select(t => new object[] { t });

        /// <summary>Shapes git versions read differently (unquoted tabs between a value's characters): declined, git answers.</summary>
        private static readonly string[] VersionDependent = { "a  \t b", "a\t\tb", "\"a\"\tb", "a \\\n\tb" };

        [Theory]
        [MemberData(nameof(Files))]
        public void Parses_every_file_exactly_as_git_does_or_rejects_it(string text)
        {
            var dir = Path.Combine(Path.GetTempPath(), "wt-config-" + Guid.NewGuid().ToString("N").Substring(0, 10));
            Directory.CreateDirectory(dir);
            try
            {
                var file = Path.Combine(dir, "config");
                File.WriteAllText(file, text, new UTF8Encoding(false));
                var git = GitSandbox.TryGit(dir, "config", "--file", file, "--list", "-z");
                var ours = ConfigFileParser.Parse(text);
                if (VersionDependent.Any(k => text.Contains(k, StringComparison.Ordinal)))
                {
                    Assert.Null(ours);
                    Assert.True(git.Code == 0, "git rejects this file: " + git.Stderr);
                    return;
                }

                if (ours == null)
                {
                    // Declining is always safe (git answers instead). It happens for texts git itself
                    // rejects, and for a key outside any section, which git reads but never matters here.
                    var gitRejects = new[] { "unterminated", "bad\\q", "[sec tion]", "1key", "de_fault", "[]", "\"a\nb\"", "k v" };
                    if (gitRejects.Any(k => text.Contains(k, StringComparison.Ordinal)))
                    {
                        Assert.True(git.Code != 0, "git reads this file: " + git.Stdout);
                    }
                    else
                    {
                        Assert.StartsWith("key = outside", text);
                    }

                    return;
                }

                Assert.True(git.Code == 0, "accepted a file git rejects: " + git.Stderr);
                var expected = git.Stdout.Split('\0', StringSplitOptions.RemoveEmptyEntries).ToList();
                var actual = ours.Select(e =>
                {
                    var name = e.Section + (e.Subsection == null ? string.Empty : "." + e.Subsection) + "." + e.Key;
                    return e.Value == null ? name : name + "\n" + e.Value;
                }).ToList();
                Assert.Equal(expected, actual);
            }
            finally
            {
                TestFiles.DeleteTree(dir);
            }
        }

        [Theory]
        [MemberData(nameof(Files))]
        public void A_lookup_answers_what_git_config_get_answers_or_lets_git_answer(string text)
        {
            using var sb = GitSandbox.Create();
            var local = Path.Combine(sb.CommonDir, "config");
            File.AppendAllText(local, "\n" + text, new UTF8Encoding(false));
            var git = GitSandbox.TryGit(sb.RepoPath, "config", "--get", "init.defaultBranch");
            if (git.Code == 128)
            {
                // git cannot read the repository's config at all: neither can we.
                var gitRunner = new GitRunner(new RecordingSink());
                Assert.False(ConfigLookup.Load(gitRunner, RepositoryLocator.Locate(sb.RepoPath, gitRunner)).TryGet("init", null, "defaultBranch", out _));
                return;
            }

            var expected = git.Code == 0 && git.Stdout.Trim().Length > 0 ? git.Stdout.Trim() : null;
            var sink = new RecordingSink();
            var runner = new GitRunner(sink);
            var repo = RepositoryLocator.Locate(sb.RepoPath, runner);
            var inProcess = ConfigLookup.Load(runner, repo).TryGet("init", null, "defaultBranch", out var value);
            if (inProcess)
            {
                Assert.Equal(expected, value);
            }

            Assert.Equal(expected, ConfigLookup.Load(runner, repo).Get("init", null, "defaultBranch"));

            // Includes and valueless keys are git's to resolve.
            if (text.Contains("[include]", StringComparison.Ordinal) || text.Contains(" defaultBranch\n", StringComparison.Ordinal))
            {
                Assert.False(inProcess);
            }
        }

        [RealGitFact]
        public void A_tab_inside_a_value_is_declined_because_git_255_keeps_it_where_older_gits_read_a_space()
        {
            using var sb = GitSandbox.Create();
            File.AppendAllText(Path.Combine(sb.CommonDir, "config"), "[init]\n defaultBranch = a \t b\n", new UTF8Encoding(false));

            // The shape really is version-dependent: git 2.55 keeps the tab (2.39 reads "a  b").
            Assert.Equal("a \t b", RealGit.Git(sb.RepoPath, "config", "--get", "init.defaultBranch").TrimEnd('\n'));

            var sink = new RecordingSink();
            var runner = new GitRunner(sink);
            var repo = RepositoryLocator.Locate(sb.RepoPath, runner);
            Assert.False(ConfigLookup.Load(runner, repo).TryGet("init", null, "defaultBranch", out _));

            // Declined, git answers: whichever git runs, the lookup says what that git says.
            Assert.Equal(sb.Git(sb.RepoPath, "config", "--get", "init.defaultBranch").TrimEnd('\n'), ConfigLookup.Load(runner, repo).Get("init", null, "defaultBranch"));
        }

        [Fact]
        public void The_common_case_starts_no_git_process()
        {
            using var sb = GitSandbox.Create();
            sb.Git(sb.RepoPath, "config", "init.defaultBranch", "trunk");
            var sink = new RecordingSink();
            var runner = new GitRunner(sink);
            var repo = RepositoryLocator.Locate(sb.RepoPath, runner);
            Assert.Equal("trunk", ConfigLookup.Load(runner, repo).Get("init", null, "defaultBranch"));
            Assert.DoesNotContain(sink.Verbose, v => v.StartsWith("git ", StringComparison.Ordinal));
        }

        [Fact]
        public void Per_worktree_config_is_left_to_git()
        {
            using var sb = GitSandbox.Create();
            sb.Git(sb.RepoPath, "config", "extensions.worktreeConfig", "true");
            sb.Git(sb.RepoPath, "config", "--worktree", "init.defaultBranch", "wtonly");
            var sink = new RecordingSink();
            var runner = new GitRunner(sink);
            var repo = RepositoryLocator.Locate(sb.RepoPath, runner);
            Assert.False(ConfigLookup.Load(runner, repo).TryGet("init", null, "defaultBranch", out _));
            Assert.Equal("wtonly", ConfigLookup.Load(runner, repo).Get("init", null, "defaultBranch"));
            Assert.Contains(sink.Verbose, v => v.StartsWith("git ", StringComparison.Ordinal) && v.Contains("config --get init.defaultBranch", StringComparison.Ordinal));
        }

        [Fact]
        public void The_system_scope_is_parsed_from_git_config_show_scope()
        {
            var output = "system\0init.defaultbranch\ntrunk\0system\0branch.Feat.merge\nrefs/heads/x\0system\0core.flag\0local\0core.bare\nfalse\0global\0init.defaultbranch\nother\0";
            var system = ConfigLookup.ParseScoped(output, "system");
            Assert.Equal(new[] { ("init.defaultbranch", (string?)"trunk"), ("branch.Feat.merge", "refs/heads/x"), ("core.flag", null) }, system);
        }

        [Fact]
        public void A_branch_setting_is_looked_up_by_its_exact_subsection_as_git_does()
        {
            using var sb = GitSandbox.Create();
            File.AppendAllText(Path.Combine(sb.CommonDir, "config"), "[branch \"Feat\"]\n\tmerge = refs/heads/Feat\n[branch.lower]\n\tmerge = refs/heads/lower\n");
            var runner = new GitRunner(new RecordingSink());
            var config = ConfigLookup.Load(runner, RepositoryLocator.Locate(sb.RepoPath, runner));
            foreach (var branch in new[] { "Feat", "feat", "lower", "Lower", "none" })
            {
                var git = GitSandbox.TryGit(sb.RepoPath, "config", "--get", "branch." + branch + ".merge");
                Assert.True(config.TryGet("branch", branch, "merge", out var value));
                Assert.Equal(git.Code == 0 ? git.Stdout.Trim() : null, value);
            }
        }
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using System.Text.RegularExpressions;
using Worktrunk.Status;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.PowerShell.Tests
{
    /// <summary>
    /// Every format view of the module rendered as a user sees it: `Format-Table | Out-String -Width 80`
    /// (the default console) and at 120 (the SDK's hosted engine has the real formatting cmdlets). The
    /// objects carry long, realistic values (an agent's branch, a path under a worktrees folder) so a view
    /// that does not fit shows it: no line over the width, every header whole on the header line (not
    /// wrapped into letters, not dropped), the useful columns kept and their values whole (long cells
    /// wrap rather than being cut), and a wider console showing more of a line.
    /// </summary>
    public sealed class ViewTests
    {
        private const string LongBranch = "agent/fix-the-login-page-redirect-loop";
        private const string LongPath = "/home/someone/src/my-application.worktrees/agent-fix-the-login-page-redirect-loop";
        private const string GitDir = "/home/someone/src/my-application/.git/worktrees/agent-fix-the-login-page-redirect-loop";

        /// <summary>Builds a module output type through its internal constructor, by parameter name; unnamed parameters get their type's default.</summary>
        private static T Make<T>(IDictionary<string, object?> values)
        {
            var ctor = typeof(T).GetConstructors(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public).Single();
            var args = ctor.GetParameters().Select(p =>
                values.TryGetValue(p.Name!, out var v) ? v :
                p.ParameterType == typeof(string) ? string.Empty :
                p.ParameterType.IsValueType ? Activator.CreateInstance(p.ParameterType) : null).ToArray();
            Assert.Empty(values.Keys.Except(ctor.GetParameters().Select(p => p.Name!)));
            return (T)ctor.Invoke(args);
        }

        private static WtWorktree Worktree(string path, string? branch, bool main = false, bool current = false, string? lockReason = null) =>
            Make<WtWorktree>(new Dictionary<string, object?>
            {
                ["path"] = path, ["branch"] = branch, ["head"] = "0123456789abcdef0123456789abcdef01234567", ["isMain"] = main,
                ["isCurrent"] = current, ["isLocked"] = lockReason != null, ["lockReason"] = lockReason, ["commonDir"] = "/home/someone/src/my-application/.git",
                ["exists"] = true,
            });

        /// <summary>The worktree with a status, as Get-WtWorktree -Status writes it (its status type name first).</summary>
        private static PSObject WithStatusView(WtWorktree w, WorktreeStatus status)
        {
            var o = new PSObject(w.WithStatus(status));
            o.TypeNames.Insert(0, "Worktrunk.WtWorktree#Status");
            return o;
        }

        private static WtDaemonStopResult StopResult() =>
            Make<WtDaemonStopResult>(new Dictionary<string, object?>
            {
                ["processId"] = 4194301, ["socketPath"] = GitDir + "/fsmonitor--daemon.ipc", ["gitDir"] = GitDir,
                ["state"] = WtDaemonState.OrphanedWorktreeRemoved, ["outcome"] = WtDaemonStopOutcome.Terminated, ["elapsed"] = TimeSpan.FromMilliseconds(1234), ["message"] = "stopped",
            });

        public static IEnumerable<object[]> Tables()
        {
            yield return new object[]
            {
                "Worktrunk.WtWorktree",
                new object[]
                {
                    Worktree("/home/someone/src/my-application", "main", main: true),
                    Worktree(LongPath, LongBranch, current: true, lockReason: "agent 7 running"),
                },
                new[] { "Branch", "State", "Path" },
                new[] { "main", "current", "locked" },
            };
            yield return new object[]
            {
                "Worktrunk.WtWorktree#Status",
                new object[]
                {
                    WithStatusView(Worktree("/home/someone/src/my-application", "main", main: true), new WorktreeStatus { Counts = new StatusCounts(0, 0, 0, 0), Ahead = 0, Behind = 0, Operation = WtWorktreeOperation.None }),
                    WithStatusView(Worktree(LongPath, LongBranch, current: true, lockReason: "agent 7 running"), new WorktreeStatus
                    {
                        Counts = new StatusCounts(2, 1, 3, 0), Ahead = 2, Behind = 5, IsIntegrated = false, IntegrationTarget = "main", Operation = WtWorktreeOperation.None,
                    }),
                },
                new[] { "Branch", "State", "Status", "Path" },
                new[] { "main", "current", "+2 !1 ?3 ↑2 ↓5" },
            };
            yield return new object[]
            {
                "Worktrunk.WtRemovalResult",
                new object[]
                {
                    Make<WtRemovalResult>(new Dictionary<string, object?>
                    {
                        ["kind"] = WtRemovalKind.Worktree, ["branch"] = LongBranch, ["path"] = LongPath, ["branchOutcome"] = WtBranchOutcome.RetainedCheckedOut,
                        ["branchReason"] = "checked out elsewhere", ["repository"] = "/home/someone/src/my-application", ["elapsed"] = TimeSpan.FromMilliseconds(87),
                    }),
                },
                new[] { "Branch", "BranchOutcome", "Path" },
                new[] { "RetainedCheckedOut" },
            };
            yield return new object[]
            {
                "Worktrunk.WtFsmonitorDaemon",
                new object[]
                {
                    Make<WtFsmonitorDaemon>(new Dictionary<string, object?>
                    {
                        ["processId"] = 4194301, ["startTime"] = new DateTime(2026, 11, 30, 1, 2, 3), ["socketPath"] = GitDir + "/fsmonitor--daemon.ipc", ["gitDir"] = GitDir,
                        ["state"] = WtDaemonState.OrphanedWorktreeRemoved, ["reason"] = "the worktree directory " + LongPath + " no longer exists",
                        ["commandLine"] = "git fsmonitor--daemon run", ["inRepository"] = true,
                    }),
                },
                new[] { "ProcessId", "State", "GitDir" },
                new[] { "4194301", "OrphanedWorktreeRemoved" },
            };
            yield return new object[]
            {
                "Worktrunk.WtDaemonStopResult",
                new object[] { StopResult() },
                new[] { "ProcessId", "Outcome", "Elapsed", "SocketPath" },
                new[] { "4194301", "Terminated", "1234 ms" },
            };
            yield return new object[]
            {
                "Worktrunk.WtTetherResult",
                new object[]
                {
                    Make<WtTetherResult>(new Dictionary<string, object?>
                    {
                        ["commandLine"] = "npm run dev -- --port 5173 --host 127.0.0.1", ["worktree"] = LongPath, ["processId"] = 4194301, ["processGroupId"] = 4194301,
                        ["signal"] = 15, ["reason"] = WtTetherEndReason.WorktreeRemoved, ["duration"] = TimeSpan.FromSeconds(3725.5),
                    }),
                },
                new[] { "Reason", "ExitCode", "SignalName", "Duration", "ProcessGroupId", "CommandLine" },
                new[] { "WorktreeRemoved", "SIGTERM", "01:02:05.500", "4194301" },
            };
            yield return new object[]
            {
                "Worktrunk.WtTether",
                new object[]
                {
                    Make<WtTether>(new Dictionary<string, object?>
                    {
                        ["supervisorId"] = 4194300, ["processId"] = 4194301, ["processGroupId"] = 4194301, ["commandLine"] = "npm run dev",
                        ["worktree"] = LongPath, ["logPath"] = "/home/someone/src/my-application/.git/wt/logs/tether/x.log",
                    }),
                },
                new[] { "SupervisorId", "ProcessGroupId", "CommandLine", "Worktree" },
                new[] { "4194300", "npm run dev" },
            };
        }

        public static IEnumerable<object[]> ProcessTables()
        {
            yield return new object[]
            {
                "Worktrunk.WtWorktreeProcess",
                new object[]
                {
                    Make<WtWorktreeProcess>(new Dictionary<string, object?>
                    {
                        ["id"] = 4194301, ["processName"] = "node-dev-server", ["commandLine"] = "node /home/someone/src/my-application/node_modules/.bin/vite --port 5173 --host 127.0.0.1",
                        ["workingDirectory"] = LongPath + "/web", ["startTime"] = new DateTime(2026, 11, 30, 1, 2, 3), ["worktree"] = LongPath,
                    }),
                    Make<WtWorktreeProcess>(new Dictionary<string, object?>
                    {
                        ["id"] = 812, ["processName"] = "bash", ["commandLine"] = "-bash", ["workingDirectory"] = LongPath, ["hasTerminal"] = true, ["worktree"] = LongPath,
                    }),
                },
                new[] { "Id", "HasTerminal", "ProcessName", "CommandLine" },
                new[] { "4194301", "node-dev-server", "True", "False" },
            };
            yield return new object[]
            {
                "Worktrunk.WtProcessStopResult",
                new object[]
                {
                    Make<WtProcessStopResult>(new Dictionary<string, object?>
                    {
                        ["id"] = 4194301, ["processName"] = "node-dev-server", ["commandLine"] = "node /home/someone/src/my-application/node_modules/.bin/vite --port 5173 --host 127.0.0.1",
                        ["workingDirectory"] = LongPath + "/web", ["outcome"] = WtProcessStopOutcome.Killed, ["elapsed"] = TimeSpan.FromMilliseconds(1550), ["message"] = "killed",
                    }),
                    Make<WtProcessStopResult>(new Dictionary<string, object?>
                    {
                        ["id"] = 812, ["processName"] = "bash", ["commandLine"] = "-bash", ["workingDirectory"] = LongPath, ["hasTerminal"] = true,
                        ["outcome"] = WtProcessStopOutcome.LeftRunning, ["message"] = "left running",
                    }),
                },
                new[] { "Id", "Outcome", "ProcessName", "CommandLine" },
                new[] { "4194301", "Killed", "LeftRunning", "node-dev-server" },
            };
        }

        [Theory]
        [MemberData(nameof(ProcessTables))]
        public void The_process_views_fit_80_columns_with_whole_headers_and_whole_values_and_120_shows_more(string typeName, object[] objects, string[] headers, string[] shown) =>
            Each_table_view_fits_80_columns_with_whole_headers_and_whole_values_and_120_shows_more(typeName, objects, headers, shown);

        private static string Render(PowerShellSession ps, string formatter, object[] objects, int width)
        {
            var r = ps.Invoke("$args[0] | " + formatter + " | Out-String -Width $args[1]", objects, width);
            Assert.Null(r.Terminating);
            Assert.Empty(r.Errors);
            return Assert.Single(r.Output).ToString();
        }

        private static string NoBlanks(string s) => Regex.Replace(s, @"\s+", string.Empty);

        private static List<string> Lines(string text) => text.Replace("\r", string.Empty).Split('\n').ToList();

        /// <summary>The text of a left-aligned column's cells, top to bottom, wrapped pieces joined: its dashes start where it starts, the next column's dashes where it ends.</summary>
        private static string Column(List<string> lines, int headerIndex, int column)
        {
            var dashes = Regex.Matches(lines[headerIndex + 1], "-+").Cast<Match>().ToList();
            var start = dashes[column].Index;
            var end = column + 1 < dashes.Count ? dashes[column + 1].Index : int.MaxValue;
            return string.Concat(lines.Skip(headerIndex + 2).Select(l => l.Length <= start ? string.Empty : l.Substring(start, Math.Min(end, l.Length) - start).Trim()));
        }

        [Theory]
        [MemberData(nameof(Tables))]
        public void Each_table_view_fits_80_columns_with_whole_headers_and_whole_values_and_120_shows_more(string typeName, object[] objects, string[] headers, string[] shown)
        {
            using var ps = new PowerShellSession();
            Assert.Equal(typeName, ps.Invoke("$args[0][0].PSObject.TypeNames[0]", (object)objects).Output.Single().ToString());
            Assert.NotEmpty(ps.Invoke("Get-FormatData -TypeName $args[0]", typeName).Output);

            var narrow = Lines(Render(ps, "Format-Table", objects, 80));
            var wide = Lines(Render(ps, "Format-Table", objects, 120));
            foreach (var (lines, width) in new[] { (narrow, 80), (wide, 120) })
            {
                var text = string.Join("\n", lines);
                Assert.All(lines, l => Assert.True(l.Length <= width, $"{typeName} at {width}: a line of {l.Length} columns:\n{text}"));
                Assert.DoesNotContain("…", text);

                // The header line holds every label, whole, in order, and nothing else: no label wrapped or cut.
                var headerIndex = lines.FindIndex(l => l.Trim().Length > 0);
                Assert.Equal(headers, lines[headerIndex].Split(' ', StringSplitOptions.RemoveEmptyEntries));
                Assert.Matches("^[- ]+$", lines[headerIndex + 1]);
                Assert.Equal(headers.Length, Regex.Matches(lines[headerIndex + 1], "-+").Count);

                // A value is on a line, or (a cell wraps mid-word at its width) in its column with the pieces joined.
                var cells = NoBlanks(string.Join("|", headers.Select((_, i) => Column(lines, headerIndex, i))));
                foreach (var value in shown)
                {
                    Assert.True(text.Contains(value, StringComparison.Ordinal) || cells.Contains(NoBlanks(value), StringComparison.Ordinal), $"{typeName} at {width}: no '{value}' in\n{text}");
                }

                // The last column (the path, the command line) is whole, wrapped or not, and so is a long branch.
                // (Compared without blanks: a wrapped cell may break at a space.)
                var last = NoBlanks(Column(lines, headerIndex, headers.Length - 1));
                foreach (var o in objects)
                {
                    Assert.Contains(NoBlanks(PSObjectLast(ps, o, headers[^1])), last);
                }

                if (headers[0] == "Branch")
                {
                    Assert.Contains(LongBranch, Column(lines, headerIndex, 0));
                }
            }

            // Wider shows more: the lines use the room past 80 columns, so there are no more of them than at 80.
            var shownWide = string.Join("\n", narrow) + "\n---\n" + string.Join("\n", wide);
            Assert.True(wide.Max(l => l.TrimEnd().Length) > 80, shownWide);
            Assert.True(wide.Count(l => l.Trim().Length > 0) <= narrow.Count(l => l.Trim().Length > 0), shownWide);
        }

        private static string PSObjectLast(PowerShellSession ps, object o, string label)
        {
            // The value the last column shows: the property of that name (GitDir falls back to the socket as the view does).
            var r = ps.Invoke("$o = $args[0]; $v = $o.($args[1]); if (-not $v) { $v = $o.SocketPath }; [string]$v", o, label);
            return r.Output.Single().ToString();
        }

        public static IEnumerable<object[]> Lists()
        {
            yield return new object[]
            {
                Make<WtRemovalResult>(new Dictionary<string, object?>
                {
                    ["kind"] = WtRemovalKind.Worktree, ["branch"] = LongBranch, ["path"] = LongPath, ["stagedPath"] = "/home/someone/src/my-application/.git/wt/trash/agent-fix-the-login-page-redirect-loop-1764464523",
                    ["branchOutcome"] = WtBranchOutcome.Deleted, ["branchReason"] = "integrated into main (same commit)", ["repository"] = "/home/someone/src/my-application",
                }),
                "StagedPath",
            };
            yield return new object[]
            {
                Make<WtSweepSummary>(new Dictionary<string, object?>
                {
                    ["repository"] = "/home/someone/src/my-application", ["orphans"] = Array.Empty<WtFsmonitorDaemon>(), ["results"] = new[] { StopResult() },
                    ["staleTrash"] = Array.Empty<string>(), ["warnings"] = new[] { "could not read " + GitDir + "/fsmonitor--daemon.ipc: permission denied, so it was left alone" },
                }),
                "Warnings",
            };
        }

        [Theory]
        [MemberData(nameof(Lists))]
        public void The_list_views_fit_80_columns(object value, string label)
        {
            using var ps = new PowerShellSession();
            foreach (var width in new[] { 80, 120 })
            {
                var lines = Lines(Render(ps, "Format-List", new[] { value }, width));
                Assert.All(lines, l => Assert.True(l.Length <= width, $"a line of {l.Length} columns at {width}:\n{string.Join("\n", lines)}"));
                Assert.Contains(lines, l => l.StartsWith(label, StringComparison.Ordinal));
            }
        }

        [Fact]
        public void Get_WtWorktree_output_renders_through_its_view_in_a_real_repository()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("agent/fix-the-login-page-redirect-loop");
            using var ps = new PowerShellSession(wt);
            var text = ps.Invoke("Get-WtWorktree | Out-String -Width 80").Output.Single().ToString();
            var lines = Lines(text);
            Assert.All(lines, l => Assert.True(l.Length <= 80, text));
            Assert.Contains(lines, l => Regex.IsMatch(l, @"^Branch\s+State\s+Path\s*$"));
            Assert.Contains(lines, l => Regex.IsMatch(l, @"^main\s+main\s+/"));
            Assert.Contains(lines, l => Regex.IsMatch(l, @"^agent/fix-the-login-page\s+current\s+/"));
        }
    }
}

using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.PowerShell.Tests.Processes
{
    /// <summary>
    /// Get-WtWorktreeProcess and Remove-WtWorktree -StopProcess in the hosted engine, with real
    /// processes (each registered with TestProcesses and killed by PID at the end; only processes
    /// the test started are ever signalled, Stop-Process included).
    /// </summary>
    public sealed class GetWtWorktreeProcessTests
    {
        private const string Id = ",Worktrunk.PowerShell.Commands.GetWtWorktreeProcessCommand";

        [Fact]
        public void Lists_by_branch_by_path_by_property_name_and_from_Get_WtWorktree_and_Stop_Process_binds_Id()
        {
            using var procs = new TestProcesses();
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            var other = sb.AddWorktree("other");
            var sub = Directory.CreateDirectory(Path.Combine(wt, "web")).FullName;
            var server = WorkingProcesses.Sleep(procs, sub);
            var elsewhere = WorkingProcesses.Sleep(procs, other);
            WorkingProcesses.WaitForCwd(server, sub);
            WorkingProcesses.WaitForCwd(elsewhere, other);
            using var ps = new PowerShellSession(sb.RepoPath);

            foreach (var script in new[]
            {
                "Get-WtWorktreeProcess feature",
                "Get-WtWorktreeProcess -Branch feature",
                "Get-WtWorktree -Branch feature | Get-WtWorktreeProcess",
                "Get-WtWorktreeProcess -Path $args[0]",
                "[pscustomobject]@{ Path = $args[0] } | Get-WtWorktreeProcess",
            })
            {
                var r = ps.Invoke(script, sub);
                Assert.Null(r.Terminating);
                Assert.Empty(r.Errors);
                var p = Assert.Single(r.All<WtWorktreeProcess>());
                Assert.Equal(server, p.Id);
                Assert.Equal(WorkingProcesses.Canonical(sub), p.WorkingDirectory);
                Assert.Equal(WorkingProcesses.Canonical(wt), p.Worktree);
                Assert.Equal("Worktrunk.WtWorktreeProcess", r.Output[0].TypeNames[0]);
            }

            // Every worktree of the repository, each process under its own.
            var all = ps.Invoke("Get-WtWorktreeProcess").All<WtWorktreeProcess>();
            Assert.Equal(new[] { server, elsewhere }.OrderBy(x => x), all.Select(p => p.Id).OrderBy(x => x));

            // The default view, at 80 columns.
            var text = ps.Invoke("Get-WtWorktreeProcess feature | Out-String -Width 80").Output.Single().ToString();
            Assert.Matches(new Regex(@"^\s+Id HasTerminal ProcessName\s+CommandLine\s*$", RegexOptions.Multiline), text);
            Assert.Matches(new Regex(@"^\s*" + server + @" False\s+sleep\s+sleep 3600\s*$", RegexOptions.Multiline), text);

            // Stop-Process binds Id by property name; the other worktree's process is untouched.
            var stop = ps.Invoke("Get-WtWorktreeProcess feature | Stop-Process -PassThru | ForEach-Object Id");
            Assert.Empty(stop.Errors);
            Assert.Equal(server, Convert.ToInt32(stop.Output.Single().BaseObject, System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(TestProcesses.WaitUntil(() => !TestProcesses.IsAlive(server), TimeSpan.FromSeconds(10)));
            Assert.True(TestProcesses.IsAlive(elsewhere));
            Assert.Empty(ps.Invoke("Get-WtWorktreeProcess feature").Output);
        }

        [Fact]
        public void The_session_process_and_its_ancestors_are_never_listed_even_when_the_process_works_in_the_worktree()
        {
            using var procs = new TestProcesses();
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            var mine = WorkingProcesses.Sleep(procs, wt);
            WorkingProcesses.WaitForCwd(mine, wt);
            using var ps = new PowerShellSession(sb.RepoPath);

            // A worktree at "/" would hold this process's working directory whatever it is; -Path / names
            // no worktree, so look through the main worktree and the root of everything via the core.
            var ids = ps.Invoke("Get-WtWorktreeProcess -InputObject $args[0] | ForEach-Object Id", FakeWorktreeAt("/")).Output.Select(o => Convert.ToInt32(o.BaseObject, System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
            Assert.Contains(mine, ids);
            Assert.Empty(ids.Intersect(WorkingProcesses.SelfAndAncestors()));
        }

        private static WtWorktree FakeWorktreeAt(string path)
        {
            var ctor = typeof(WtWorktree).GetConstructors(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic).Single();
            var args = ctor.GetParameters().Select(p => p.Name == "path" ? path : p.Name == "commonDir" ? "/nonexistent/.git" : p.ParameterType == typeof(bool) ? (object)false : null).ToArray();
            return (WtWorktree)ctor.Invoke(args);
        }

        [Fact]
        public void A_branch_or_path_naming_no_worktree_is_WorktreeNotFound_and_the_others_are_still_listed()
        {
            using var procs = new TestProcesses();
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            var server = WorkingProcesses.Sleep(procs, wt);
            WorkingProcesses.WaitForCwd(server, wt);
            using var ps = new PowerShellSession(sb.RepoPath);

            var r = ps.Invoke("Get-WtWorktreeProcess nosuch, feature");
            Assert.Equal("WorktreeNotFound" + Id, Assert.Single(r.Errors).FullyQualifiedErrorId);
            Assert.Equal("nosuch", r.Errors[0].TargetObject);
            Assert.Equal(server, Assert.Single(r.All<WtWorktreeProcess>()).Id);

            var outside = Directory.CreateDirectory(Path.Combine(sb.Root, "not-a-repo")).FullName;
            var p = ps.Invoke("Get-WtWorktreeProcess -Path $args[0]", outside);
            Assert.Equal("NotARepository" + Id, Assert.Single(p.Errors).FullyQualifiedErrorId);
            Assert.Empty(p.Output);

            var bad = ps.Invoke("Get-WtWorktreeProcess -Repository $args[0]", outside);
            Assert.Equal("NotARepository" + Id, bad.Terminating!.ErrorRecord.FullyQualifiedErrorId);

            foreach (var parameter in new[] { "Path", "Repository" })
            {
                var nul = ps.Invoke("Get-WtWorktreeProcess -" + parameter + " $args[0]", wt + "\0x");
                Assert.Equal("InvalidPath" + Id, nul.Terminating!.ErrorRecord.FullyQualifiedErrorId);
            }
        }

        [Fact]
        public void Remove_StopProcess_stops_the_terminal_less_process_warns_about_the_terminal_one_and_reports_both()
        {
            using var procs = new TestProcesses();
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            var server = WorkingProcesses.Sleep(procs, wt);
            var stubborn = WorkingProcesses.Start(procs, wt, "sh", "-c", "trap '' TERM; exec sleep 3600");
            var shell = WorkingProcesses.WithTerminal(procs, sb.Root, wt)!.Value;
            WorkingProcesses.WaitForCwd(server, wt);
            Assert.True(TestProcesses.WaitUntil(() => File.ReadAllText($"/proc/{stubborn}/cmdline").StartsWith("sleep", StringComparison.Ordinal), TimeSpan.FromSeconds(20)));
            using var ps = new PowerShellSession(sb.RepoPath);

            var r = ps.Invoke("Remove-WtWorktree feature -StopProcess -PassThru");

            Assert.Null(r.Terminating);
            Assert.Empty(r.Errors);
            var result = r.Single<WtRemovalResult>();
            Assert.False(Directory.Exists(wt));
            var outcomes = result.StoppedProcesses!.ToDictionary(p => p.Id, p => p.Outcome);
            Assert.Equal(WtProcessStopOutcome.Terminated, outcomes[server]);
            Assert.Equal(WtProcessStopOutcome.Killed, outcomes[stubborn]);
            Assert.Equal(WtProcessStopOutcome.LeftRunning, outcomes[shell]);
            Assert.Equal(3, outcomes.Count);
            Assert.False(TestProcesses.IsAlive(server));
            Assert.False(TestProcesses.IsAlive(stubborn));
            Assert.True(TestProcesses.IsAlive(shell));
            Assert.Contains(r.Warnings, w => w.Contains("Left running", StringComparison.Ordinal) && w.Contains(shell + " 'sleep'", StringComparison.Ordinal));

            // The results render through their view.
            var text = ps.Invoke("$args[0].StoppedProcesses | Out-String -Width 80", result).Output.Single().ToString();
            Assert.Matches(new Regex(@"^\s*" + stubborn + @" Killed\s+sleep\s", RegexOptions.Multiline), text);
        }

        [Fact]
        public void Branch_completes_like_Get_WtWorktree()
        {
            using var sb = GitSandbox.Create();
            sb.AddWorktree("feature/one");
            sb.AddWorktree("fix");
            using var ps = new PowerShellSession(sb.RepoPath);
            var line = "Get-WtWorktreeProcess -Branch feat";
            var r = ps.Invoke("(TabExpansion2 -inputScript $args[0] -cursorColumn $args[0].Length).CompletionMatches.CompletionText", line);
            Assert.Equal(new[] { "feature/one" }, r.Output.Select(o => o.ToString()));
        }

        [Fact]
        public void Remove_WhatIf_StopProcess_signals_nothing_and_without_the_switch_nothing_is_stopped()
        {
            using var procs = new TestProcesses();
            using var sb = GitSandbox.Create();
            var a = sb.AddWorktree("a");
            var b = sb.AddWorktree("b");
            var inA = WorkingProcesses.Sleep(procs, a);
            var inB = WorkingProcesses.Sleep(procs, b);
            WorkingProcesses.WaitForCwd(inA, a);
            WorkingProcesses.WaitForCwd(inB, b);
            using var ps = new PowerShellSession(sb.RepoPath);

            Assert.Empty(ps.Invoke("Remove-WtWorktree a -StopProcess -WhatIf").Errors);
            Assert.True(Directory.Exists(a));
            Assert.True(TestProcesses.IsAlive(inA));

            var r = ps.Invoke("Remove-WtWorktree b -PassThru");
            Assert.Empty(r.Errors);
            Assert.Null(r.Single<WtRemovalResult>().StoppedProcesses);
            Assert.True(TestProcesses.IsAlive(inB));
        }
    }
}

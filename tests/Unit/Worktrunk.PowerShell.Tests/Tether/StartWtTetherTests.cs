using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using Worktrunk.Processes;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.PowerShell.Tests.Tether
{
    /// <summary>Start-WtTether in a hosted PowerShell 7.6 session, attached (the cmdlet supervises on the pipeline thread).</summary>
    public sealed class StartWtTetherTests : IDisposable
    {
        private const string Id = ",Worktrunk.PowerShell.Commands.StartWtTetherCommand";
        // The session's guardian runs in a PowerShell host (Worktrunk.Shell here). It belongs to
        // this test process (every tether of every test shares it), so no test kills it: it exits
        // when this process does.
        private readonly ShellHostScope _host = new ShellHostScope();
        private readonly TestProcesses _procs = new TestProcesses();
        private readonly GitSandbox _sandbox = GitSandbox.Create();

        public void Dispose()
        {
            _host.Dispose();
            _procs.Dispose();
            _sandbox.Dispose();
        }

        private TetherTree NewTree() => new TetherTree(Path.Combine(_sandbox.Root, "pids-" + Guid.NewGuid().ToString("N").Substring(0, 6)), _procs);

        /// <summary>Starts a script asynchronously on the session's runspace, as a console host does.</summary>
        private static (System.Management.Automation.PowerShell Ps, IAsyncResult Handle) Begin(PowerShellSession session, string script)
        {
            var ps = System.Management.Automation.PowerShell.Create();
            ps.Runspace = session.Runspace;
            ps.AddScript(script);
            return (ps, ps.BeginInvoke());
        }

        /// <summary>Waits for the tree; if the invocation ended first, fails with what it wrote to the error stream.</summary>
        private static void WaitUp(TetherTree tree, System.Management.Automation.PowerShell ps, IAsyncResult handle)
        {
            TestProcesses.WaitUntil(() => tree.IsUp || handle.IsCompleted, TimeSpan.FromSeconds(30));
            Assert.True(tree.IsUp, "the tree did not come up; Start-WtTether " + (handle.IsCompleted ? "ended: " + string.Join(" | ", ps.Streams.Error.Select(e => e.ToString())) : "is still running"));
            tree.WaitUp();
        }

        /// <summary>Live guardians that are children of this test process (Start-WtTether runs in-process here): at most the session's one.</summary>
        private static int[] OurGuardians() =>
            ProcFs.EnumeratePids()
                .Where(p => ProcFs.ReadStat(p) is { } s && s.ParentPid == Environment.ProcessId && !s.IsExited)
                .Where(p => (ProcFs.ReadArgv(p) ?? Array.Empty<string>()).FirstOrDefault() == "wt-tether-guardian")
                .ToArray();

        [Fact]
        public void A_successful_command_returns_a_typed_result_and_LASTEXITCODE_0()
        {
            var wt = _sandbox.AddWorktree("agent-ok");
            using var ps = new PowerShellSession(wt);
            var r = ps.Invoke("$global:LASTEXITCODE = 99; Start-WtTether -- sh -c 'exit 0'; $LASTEXITCODE");
            Assert.Null(r.Terminating);
            Assert.Empty(r.Errors);
            Assert.Equal("Worktrunk.WtTetherResult", r.Output[0].TypeNames[0]);
            var result = (WtTetherResult)r.Output[0].BaseObject;
            Assert.Equal(WtTetherEndReason.Exited, result.Reason);
            Assert.Equal(0, result.ExitCode);
            Assert.Equal(wt, result.Worktree);
            Assert.Equal("sh -c 'exit 0'", result.CommandLine);
            Assert.Equal(0, (int)r.Output[1].BaseObject);
        }

        [Theory]
        [InlineData("exit 3", 3, "exit code 3")]
        [InlineData("kill -TERM $$", 143, "signal 15 (SIGTERM)")]
        public void A_failing_command_writes_TetheredCommandFailed_and_sets_the_global_LASTEXITCODE(string script, int lastExitCode, string describe)
        {
            var wt = _sandbox.AddWorktree("agent-fail-" + lastExitCode);
            using var ps = new PowerShellSession(wt);

            // $? is false after the failure; from inside a function $LASTEXITCODE is still the
            // global one, as for native commands.
            var r = ps.Invoke("$r = Start-WtTether -- sh -c $args[0]; $ok = $?; $global:LASTEXITCODE = 0; function f { $null = Start-WtTether -- sh -c $args[0] 2>$null }; f $args[0]; $r; $LASTEXITCODE; $ok", script);
            Assert.Null(r.Terminating);
            var error = Assert.Single(r.Errors);
            Assert.Equal("TetheredCommandFailed" + Id, error.FullyQualifiedErrorId);
            Assert.Contains(describe, error.Exception.Message, StringComparison.Ordinal);
            var result = Assert.IsType<WtTetherResult>(error.TargetObject);
            Assert.True(result.Failed);
            Assert.Same(result, r.Output[0].BaseObject);
            Assert.Equal(lastExitCode, (int)r.Output[1].BaseObject);
            Assert.False((bool)r.Output[2].BaseObject);
        }

        [Fact]
        public void Removing_the_worktree_with_git_tears_the_whole_tree_down_and_is_not_a_failure()
        {
            var wt = _sandbox.AddWorktree("agent-remove");
            var tree = NewTree();
            using var session = new PowerShellSession(wt);
            var (ps, handle) = Begin(session, "Start-WtTether -- " + tree.CommandWords() + "; $LASTEXITCODE");
            using (ps)
            {
                WaitUp(tree, ps, handle);
                Thread.Sleep(600);
                Assert.False(handle.IsCompleted, "the tether ended while its worktree existed");

                _sandbox.Git(_sandbox.RepoPath, "worktree", "remove", "--force", wt);
                Assert.True(handle.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(30)), "Start-WtTether did not return");
                var output = ps.EndInvoke(handle);

                Assert.True(tree.AllGone(), "survivors: " + tree.Survivors());
                Assert.Empty(ps.Streams.Error);
                var result = (WtTetherResult)output[0].BaseObject;
                Assert.Equal(WtTetherEndReason.WorktreeRemoved, result.Reason);
                Assert.Equal(15, result.Signal);
                Assert.Equal(tree.Leader, result.ProcessGroupId);
                Assert.Equal(0, (int)output[1].BaseObject);
            }
        }

        [Fact]
        public void Remove_WtWorktree_of_the_tethered_worktree_tears_it_down()
        {
            var wt = _sandbox.AddWorktree("agent-remove-wt");
            var tree = NewTree();
            using var serving = new PowerShellSession(_sandbox.RepoPath);
            var (ps, handle) = Begin(serving, "Start-WtTether -WorkingDirectory '" + wt.Replace("'", "''") + "' -- " + tree.CommandWords());
            using (ps)
            {
                WaitUp(tree, ps, handle);

                // Another session removes the worktree the module's own way (rename into the trash).
                using var other = new PowerShellSession(_sandbox.RepoPath);
                var removal = other.Invoke("Remove-WtWorktree -Branch agent-remove-wt -Wait");
                Assert.Null(removal.Terminating);
                Assert.Empty(removal.Errors);

                Assert.True(handle.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(30)), "Start-WtTether did not return");
                var result = (WtTetherResult)ps.EndInvoke(handle)[0].BaseObject;
                Assert.Equal(WtTetherEndReason.WorktreeRemoved, result.Reason);
                Assert.True(tree.AllGone(), "survivors: " + tree.Survivors());
            }
        }

        [Fact]
        public void A_command_that_exits_leaves_no_sidecar_behind()
        {
            var wt = _sandbox.AddWorktree("agent-sweep");
            var tree = NewTree();
            using var session = new PowerShellSession(wt);
            var (ps, handle) = Begin(session, "Start-WtTether -- " + tree.CommandWords("exit 0"));
            using (ps)
            {
                WaitUp(tree, ps, handle);
                File.WriteAllText(Path.Combine(tree.PidDir, "go"), "go");
                Assert.True(handle.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(30)));
                var result = (WtTetherResult)ps.EndInvoke(handle)[0].BaseObject;
                Assert.Equal(WtTetherEndReason.Exited, result.Reason);
                Assert.True(tree.AllGone(), "survivors: " + tree.Survivors());
            }
        }

        [Fact]
        public void Stop_tears_the_whole_tree_down_before_it_returns()
        {
            var wt = _sandbox.AddWorktree("agent-ctrl-c");
            var tree = NewTree();
            using var session = new PowerShellSession(wt);
            var (ps, handle) = Begin(session, "Start-WtTether -- " + tree.CommandWords());
            using (ps)
            {
                WaitUp(tree, ps, handle);
                Thread.Sleep(300);

                // What Ctrl+C does in a console host: stop the running pipeline (StopProcessing).
                ps.Stop();

                // No waiting: the tree must already be gone when Stop returns.
                Assert.True(tree.AllGone(), "survivors when Stop returned: " + tree.Survivors());
                Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
                Assert.True(OurGuardians().Length <= 1, "more than one guardian for one session");
            }
        }

        [Fact]
        public void Stopping_a_larger_pipeline_or_script_around_it_also_tears_down()
        {
            var wt = _sandbox.AddWorktree("agent-pipeline");
            var tree = NewTree();
            using var session = new PowerShellSession(wt);
            var (ps, handle) = Begin(session, "& { 'before'; Start-WtTether -- " + tree.CommandWords() + "; 'after' } | ForEach-Object { $_ }");
            using (ps)
            {
                WaitUp(tree, ps, handle);
                ps.Stop();
                Assert.True(tree.AllGone(), "survivors when Stop returned: " + tree.Survivors());
            }
        }

        [Fact]
        public void A_stop_at_any_moment_of_the_start_leaves_nothing_running()
        {
            var wt = _sandbox.AddWorktree("agent-race");
            using var session = new PowerShellSession(wt);
            foreach (var delay in new[] { 0, 5, 20, 60, 150 })
            {
                var tree = NewTree();
                var (ps, _) = Begin(session, "Start-WtTether -- " + tree.CommandWords());
                using (ps)
                {
                    Thread.Sleep(delay);
                    ps.Stop();
                    tree.RegisterWhatExists();
                    Assert.True(tree.AllGone(), $"after a stop at {delay} ms: " + tree.Survivors());

                    // Processes that had not written a PID yet: nothing with this tree's directory in its command line may run.
                    var strays = ProcFs.EnumeratePids().Where(p => ProcessTable.IsAlive(p) && string.Join(" ", ProcFs.ReadArgv(p) ?? Array.Empty<string>()).Contains(tree.PidDir, StringComparison.Ordinal)).ToArray();
                    Assert.Empty(strays);
                    Assert.True(OurGuardians().Length <= 1, "more than one guardian for one session");
                }
            }
        }

        [Fact]
        public void Closing_the_runspace_under_a_running_tether_tears_it_down()
        {
            var wt = _sandbox.AddWorktree("agent-close");
            var tree = NewTree();
            var session = new PowerShellSession(wt);
            var (ps, _) = Begin(session, "Start-WtTether -- " + tree.CommandWords());
            tree.WaitUp();
            session.Dispose();
            Assert.True(tree.AllGone(), "survivors after the runspace closed: " + tree.Survivors());
            ps.Dispose();
        }

        [Fact]
        public void WorkingDirectory_resolves_against_the_session_and_the_worktree_root_is_watched()
        {
            var wt = _sandbox.AddWorktree("agent-frontend");
            var frontend = Path.Combine(wt, "frontend");
            Directory.CreateDirectory(frontend);
            var report = Path.Combine(_sandbox.Root, "cwd-report");
            using var ps = new PowerShellSession(wt);
            Assert.NotEqual(wt, Environment.CurrentDirectory);

            var r = ps.Invoke("Start-WtTether -WorkingDirectory frontend -- sh -c 'pwd -P > \"$1\"' sh $args[0]", report);
            Assert.Null(r.Terminating);
            Assert.Equal(frontend, File.ReadAllText(report).Trim());
            Assert.Equal(wt, r.Single<WtTetherResult>().Worktree);

            // Removing the worktree root tears down a tether running in a subdirectory.
            var tree = NewTree();
            var (async, handle) = Begin(ps, "Start-WtTether -WorkingDirectory ./frontend -- " + tree.CommandWords());
            using (async)
            {
                WaitUp(tree, async, handle);
                TestFiles.DeleteTree(wt);
                Assert.True(handle.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(30)));
                Assert.Equal(WtTetherEndReason.WorktreeRemoved, ((WtTetherResult)async.EndInvoke(handle)[0].BaseObject).Reason);
                Assert.True(tree.AllGone(), "survivors: " + tree.Survivors());
            }
        }

        [Fact]
        public void A_WtWorktree_from_the_pipeline_is_the_working_directory_one_tether_per_object()
        {
            var first = _sandbox.AddWorktree("pipe-a");
            var second = _sandbox.AddWorktree("pipe-b");
            var report = Path.Combine(_sandbox.Root, "cwd-report");

            // The session stands in the main worktree: only the binding can put the commands elsewhere.
            using var ps = new PowerShellSession(_sandbox.RepoPath);
            var r = ps.Invoke("Get-WtWorktree -Branch pipe-a, pipe-b | Start-WtTether -- sh -c 'pwd -P >> \"$1\"' sh $args[0]", report);
            Assert.Null(r.Terminating);
            Assert.Empty(r.Errors);
            Assert.Equal(new[] { first, second }, r.Output.Select(o => ((WtTetherResult)o.BaseObject).Worktree).OrderBy(w => w, StringComparer.Ordinal));
            Assert.Equal(new[] { first, second }, File.ReadAllLines(report).OrderBy(w => w, StringComparer.Ordinal));

            // The FilePath set binds the same way, and -Path is the alias a person may type.
            File.Delete(report);
            r = ps.Invoke("Get-WtWorktree -Branch pipe-b | Start-WtTether -FilePath sh -ArgumentList '-c', 'pwd -P >> \"$0\"', $args[0]; Start-WtTether -Path $args[1] -- sh -c 'pwd -P >> \"$1\"' sh $args[0]", report, first);
            Assert.Null(r.Terminating);
            Assert.Empty(r.Errors);
            Assert.Equal(new[] { second, first }, File.ReadAllLines(report));
        }

        [Fact]
        public void An_explicit_WorkingDirectory_and_positional_command_still_bind_with_no_pipeline_input()
        {
            var wt = _sandbox.AddWorktree("pipe-plain");
            var report = Path.Combine(_sandbox.Root, "cwd-plain");
            File.WriteAllText(Path.Combine(wt, "write-cwd.sh"), "pwd -P > \"$1\"\n");
            using var ps = new PowerShellSession(wt);
            var r = ps.Invoke("Start-WtTether -- sh -c 'pwd -P > \"$1\"' sh $args[0]", report);
            Assert.Null(r.Terminating);
            Assert.Equal(wt, File.ReadAllText(report).Trim());

            // Without `--`, the first word is still the command (position 0), not a path.
            File.Delete(report);
            r = ps.Invoke("Start-WtTether sh ./write-cwd.sh $args[0]", report);
            Assert.Null(r.Terminating);
            Assert.Equal(wt, File.ReadAllText(report).Trim());
            var meta = ps.Invoke("(Get-Command Start-WtTether).Parameters['WorkingDirectory'].Aliases; (Get-Command Start-WtTether).Parameters['WorkingDirectory'].ParameterSets.Values.ValueFromPipelineByPropertyName").Output.Select(o => o.ToString()).ToArray();
            Assert.Equal(new[] { "Path", "True", "True" }, meta);
        }

        [Fact]
        public void Outside_a_repository_the_directory_itself_is_watched()
        {
            var dir = Path.Combine(_sandbox.Root, "plain");
            Directory.CreateDirectory(dir);
            using var ps = new PowerShellSession(dir);
            var r = ps.Invoke("Start-WtTether -- sh -c 'exit 0'");
            Assert.Null(r.Terminating);
            Assert.Equal(dir, r.Single<WtTetherResult>().Worktree);
        }

        [Fact]
        public void Arguments_reach_the_program_verbatim_with_no_shell_in_between()
        {
            var wt = _sandbox.AddWorktree("agent-args");
            var report = Path.Combine(_sandbox.Root, "args-report");
            using var ps = new PowerShellSession(wt);
            var weird = new[] { "a b", "$HOME", "`x`", "'q'", "\"d\"", ";", "*", string.Empty, "--", "-Detach", "-GracePeriod" };

            // -FilePath/-ArgumentList, and the remaining-arguments form after --.
            var viaFilePath = ps.Invoke("Start-WtTether -FilePath sh -ArgumentList (@('-c', 'printf \"%s|\" \"$@\" > \"$0\"', $args[0]) + $args[1])", report, weird);
            Assert.Null(viaFilePath.Terminating);
            Assert.Equal(string.Join("|", weird) + "|", File.ReadAllText(report));

            var viaDashDash = ps.Invoke("Start-WtTether -- sh -c 'printf \"%s|\" \"$@\" > \"$0\"' $args[0] 'a b' '$HOME' -- -Detach --port 3000", report);
            Assert.Null(viaDashDash.Terminating);
            Assert.Equal("a b|$HOME|--|-Detach|--port|3000|", File.ReadAllText(report));
        }

        [Theory]
        [InlineData("Start-WtTether -- wt-no-such-program-xyz run dev", "CommandNotFound")]
        [InlineData("Start-WtTether -FilePath ./not-executable.sh", "SpawnFailed")]
        [InlineData("Start-WtTether -WorkingDirectory ./nope -- sh -c 'exit 0'", "PathNotFound")]
        public void A_command_that_cannot_start_is_a_terminating_error_with_nothing_left_running(string script, string id)
        {
            var wt = _sandbox.AddWorktree("agent-bad-" + id);
            File.WriteAllText(Path.Combine(wt, "not-executable.sh"), "echo hi\n");
            using var ps = new PowerShellSession(wt);
            var r = ps.Invoke(script);
            Assert.NotNull(r.Terminating);
            Assert.Equal(id + Id, r.Terminating!.ErrorRecord.FullyQualifiedErrorId);
            Assert.Empty(r.Output);
            Assert.True(OurGuardians().Length <= 1, "more than one guardian for one session");
        }

        [Fact]
        public void WhatIf_starts_nothing()
        {
            var wt = _sandbox.AddWorktree("agent-whatif");
            var marker = Path.Combine(_sandbox.Root, "whatif-marker");
            using var ps = new PowerShellSession(wt);
            var r = ps.Invoke("Start-WtTether -WhatIf -- sh -c 'touch \"$1\"' sh $args[0]", marker);
            Assert.Null(r.Terminating);
            Assert.Empty(r.Output);
            Thread.Sleep(300);
            Assert.False(File.Exists(marker));
        }

        [Fact]
        public void GracePeriod_takes_seconds_and_bounds_the_wait_before_SIGKILL()
        {
            var wt = _sandbox.AddWorktree("agent-grace");
            var tree = NewTree();
            using var session = new PowerShellSession(wt);
            var (ps, handle) = Begin(session, "Start-WtTether -GracePeriod 0.8 -- " + tree.CommandWords("ignore-term"));
            using (ps)
            {
                WaitUp(tree, ps, handle);
                var clock = Stopwatch.StartNew();
                TestFiles.DeleteTree(wt);
                Assert.True(handle.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(30)));
                var result = (WtTetherResult)ps.EndInvoke(handle)[0].BaseObject;
                Assert.Equal(9, result.Signal);
                Assert.True(tree.AllGone(), "survivors: " + tree.Survivors());
                Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(800), $"SIGKILL before the grace period ({clock.Elapsed})");
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4.5), $"the default 5 s was used ({clock.Elapsed})");
            }

            using var bind = new PowerShellSession(_sandbox.RepoPath);
            foreach (var ok in new[] { "2", "'2.5'", "'00:00:03'", "([TimeSpan]::FromSeconds(1))", "0" })
            {
                var r = bind.Invoke("Start-WtTether -WhatIf -GracePeriod " + ok + " -- sh -c 'exit 0'");
                Assert.True(r.Terminating == null, ok + ": " + r.Terminating?.Message);
            }

            foreach (var bad in new[] { "-1", "7200", "'soon'" })
            {
                var r = bind.Invoke("Start-WtTether -WhatIf -GracePeriod " + bad + " -- sh -c 'exit 0'");
                Assert.IsAssignableFrom<ParameterBindingException>(r.Terminating);
                Assert.EndsWith(Id, r.Terminating!.ErrorRecord.FullyQualifiedErrorId, StringComparison.Ordinal);
            }
        }

        [Fact]
        public void The_views_label_real_properties_and_the_result_renders_through_its_view()
        {
            // Every column of both views names a public property of its type (labels = property names).
            var doc = System.Xml.Linq.XDocument.Load(Path.Combine(RepoPaths.ModuleDir, "Worktrunk.Tether.format.ps1xml"));
            foreach (var (typeName, type) in new[] { ("Worktrunk.WtTetherResult", typeof(WtTetherResult)), ("Worktrunk.WtTether", typeof(WtTether)) })
            {
                var view = doc.Descendants("View").Single(v => v.Element("ViewSelectedBy")!.Element("TypeName")!.Value == typeName);
                var labels = view.Descendants("Label").Select(l => l.Value).ToList();
                var properties = view.Descendants("PropertyName").Select(p => p.Value).ToList();
                Assert.NotEmpty(labels);
                Assert.Equal(labels, properties);
                Assert.All(properties, p => Assert.NotNull(type.GetProperty(p)));
            }

            // Rendered by a real console host (Out-Default), the result uses the table view.
            var wt = _sandbox.AddWorktree("agent-view");
            var (code, stdout, stderr) = ShellRun.Run(wt, "Start-WtTether -- sh -c 'exit 0'");
            Assert.True(code == 0, stderr);
            Assert.Matches(@"Reason\s+ExitCode\s+SignalName\s+Duration\s+ProcessGroupId\s+CommandLine", stdout);
            Assert.Matches(@"Exited\s+0\s+\S+\s+\d+\s+sh -c 'exit 0'", stdout);
        }

        [Fact]
        public void The_output_types_and_parameter_sets_are_declared()
        {
            using var ps = new PowerShellSession();
            var types = ps.Invoke("(Get-Command Start-WtTether).OutputType.Name").Output.Select(o => o.ToString()).OrderBy(n => n);
            Assert.Equal(new[] { "Worktrunk.WtTether", "Worktrunk.WtTetherResult" }, types);
            var sets = ps.Invoke("(Get-Command Start-WtTether).ParameterSets.Name").Output.Select(o => o.ToString());
            Assert.Contains("Command", sets);
            Assert.Contains("FilePath", sets);
        }

        [Fact]
        public void Output_streams_live_to_the_console_and_only_the_result_enters_the_pipeline()
        {
            var wt = _sandbox.AddWorktree("agent-console");
            var (code, stdout, stderr) = ShellRun.Run(wt, "$r = @(Start-WtTether -- sh -c 'echo live-out; echo live-err >&2'); 'count=' + $r.Count + ' type=' + $r[0].GetType().FullName");
            Assert.True(code == 0, stderr);
            var lines = stdout.Split('\n').Select(l => l.Trim()).ToList();
            Assert.Contains("live-out", lines);
            Assert.Contains("live-err", stderr.Split('\n').Select(l => l.Trim()));
            Assert.Contains("count=1 type=Worktrunk.WtTetherResult", lines);
            Assert.True(lines.IndexOf("live-out") < lines.IndexOf("count=1 type=Worktrunk.WtTetherResult"));
        }
    }
}

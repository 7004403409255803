using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Worktrunk.Removal;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.PowerShell.Tests.Removal
{
    /// <summary>
    /// A removal running in a real Worktrunk.Shell process, optionally paused at a RemovalStep
    /// through the test-only pause point. The harness switches the pause point on the one way a
    /// user's environment cannot: a fresh random token in WORKTRUNK_TEST_PAUSE_TOKEN and the same
    /// token in &lt;pause file&gt;.token, a file this harness creates with FileMode.CreateNew (in a
    /// directory of its own beside the sandbox, so repository snapshots never see it) and deletes
    /// on Dispose. The process is registered with TestProcesses.
    /// </summary>
    internal sealed class RemovalChild : IDisposable
    {
        /// <summary>Prints RESULT=OK &lt;method&gt; &lt;branch outcome&gt;, or RESULT=&lt;error id&gt;; {0} takes more switches.</summary>
        internal const string Report =
            "$r = Remove-WtWorktree -Branch victim -PassThru -ErrorVariable e -ErrorAction SilentlyContinue {0}; " +
            "if ($e) {{ 'RESULT=' + $e[0].FullyQualifiedErrorId.Split(',')[0] }} else {{ 'RESULT=OK ' + $r.Method + ' ' + $r.BranchOutcome }}";

        private readonly string _pauseDir;

        private RemovalChild(Process process, Task<string> stdout, Task<string> stderr, string pauseDir, string pauseFile)
        {
            Process = process;
            Stdout = stdout;
            Stderr = stderr;
            _pauseDir = pauseDir;
            PauseFile = pauseFile;
        }

        internal Process Process { get; }

        internal Task<string> Stdout { get; }

        internal Task<string> Stderr { get; }

        internal string PauseFile { get; }

        /// <summary>
        /// Starts <paramref name="command"/> in the shell, in the sandbox's main worktree; with
        /// <paramref name="pauseAt"/>, switched on to pause at that step. <paramref name="environment"/>
        /// adds variables (null removes one).
        /// </summary>
        internal static RemovalChild Start(TestProcesses procs, GitSandbox sb, string command, string? pauseAt = null, IDictionary<string, string?>? environment = null)
        {
            Hermetic.Apply();
            var pauseDir = sb.Root + "-pause-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            Directory.CreateDirectory(pauseDir);
            var pauseFile = Path.Combine(pauseDir, "paused");
            var psi = new ProcessStartInfo(RepoPaths.ShellExecutable)
            {
                WorkingDirectory = sb.RepoPath,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
                StandardOutputEncoding = Encoding.UTF8,
            };
            psi.ArgumentList.Add("-NonInteractive");
            psi.ArgumentList.Add("-Command");
            psi.ArgumentList.Add(command);
            psi.Environment["COLUMNS"] = "200";
            foreach (var name in new[] { TestPausePoint.StepVariable, TestPausePoint.FileVariable, TestPausePoint.TokenVariable })
            {
                psi.Environment.Remove(name);
            }

            if (pauseAt != null)
            {
                var token = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");
                using (var f = new FileStream(TestPausePoint.TokenFile(pauseFile), FileMode.CreateNew, FileAccess.Write))
                {
                    var bytes = Encoding.ASCII.GetBytes(token);
                    f.Write(bytes, 0, bytes.Length);
                }

                psi.Environment[TestPausePoint.StepVariable] = pauseAt;
                psi.Environment[TestPausePoint.FileVariable] = pauseFile;
                psi.Environment[TestPausePoint.TokenVariable] = token;
            }

            foreach (var kv in environment ?? new Dictionary<string, string?>())
            {
                if (kv.Value == null)
                {
                    psi.Environment.Remove(kv.Key);
                }
                else
                {
                    psi.Environment[kv.Key] = kv.Value;
                }
            }

            var p = Process.Start(psi)!;
            procs.Track(p.Id);
            p.StandardInput.Close();
            return new RemovalChild(p, p.StandardOutput.ReadToEndAsync(), p.StandardError.ReadToEndAsync(), pauseDir, pauseFile);
        }

        /// <summary>Waits until the removal has reached its pause point (it wrote the pause file).</summary>
        internal void WaitPaused()
        {
            var reached = TestProcesses.WaitUntil(() => File.Exists(PauseFile) || Process.HasExited, TimeSpan.FromSeconds(120));
            Assert.True(reached && !Process.HasExited, "the removal did not reach its pause point: " + (Process.HasExited ? Stdout.Result + Stderr.Result : "timeout"));
        }

        /// <summary>Lets the paused removal continue.</summary>
        internal void Release() => File.Delete(PauseFile);

        /// <summary>Waits for the shell to exit; returns what follows RESULT=.</summary>
        internal string Finish()
        {
            Assert.True(Process.WaitForExit(120_000), "the shell did not exit");
            var output = Stdout.Result;
            var line = output.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith("RESULT=", StringComparison.Ordinal));
            Assert.True(line != null, "no RESULT line: " + output + Stderr.Result);
            return line!.Substring("RESULT=".Length);
        }

        internal void Kill()
        {
            Process.Kill();
            Assert.True(Process.WaitForExit(30_000));
        }

        /// <summary>Deletes the token file (switching the pause point off) and the pause directory.</summary>
        public void Dispose()
        {
            try
            {
                Directory.Delete(_pauseDir, true);
            }
            catch (IOException)
            {
            }
        }
    }
}

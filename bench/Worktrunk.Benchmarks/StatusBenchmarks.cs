using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation.Runspaces;
using System.Text;
using BenchmarkDotNet.Attributes;
using Worktrunk.TestSupport;

namespace Worktrunk.Benchmarks
{
    /// <summary>
    /// `Get-WtWorktree -Status` on 40 worktrees (main and 39 linked) against the reference: in each
    /// worktree, one after another, `git status --porcelain` and `git rev-list --left-right --count
    /// main...HEAD` (System.Diagnostics.Process, output read to the end; 80 processes). Target:
    /// the cmdlet at least 2x faster (it also judges integration, which the reference does not).
    /// The repository: 300 tracked files; of the 39 linked worktrees, 8 merged into main (--no-ff),
    /// 4 squash-merged, 27 with a commit main lacks; every third worktree has an untracked and a
    /// modified file; main then moves on by two commits. Git: the one on PATH, or with
    /// <see cref="Git"/> = "2.55" the build in ../shared/tools/git (RealGit) put first on PATH for
    /// both methods.
    /// </summary>
    [SimpleJob(warmupCount: 2, iterationCount: 10)]
    [MinColumn]
    [MedianColumn]
    public class StatusBenchmarks
    {
        private const int Linked = 39;

        private GitSandbox? _sandbox;
        private Runspace? _runspace;
        private string[] _worktrees = Array.Empty<string>();
        private string? _pathBefore;

        /// <summary>Gets or sets which git both methods run: "system" (PATH) or "2.55".</summary>
        [Params("system", "2.55")]
        public string Git { get; set; } = "system";

        [GlobalSetup]
        public void Setup()
        {
            _pathBefore = Environment.GetEnvironmentVariable("PATH");
            if (Git == "2.55")
            {
                var bin = RealGit.BinDirectory ?? throw new InvalidOperationException(RealGit.SkipReason);
                Environment.SetEnvironmentVariable("PATH", bin + Path.PathSeparator + _pathBefore);
            }

            _sandbox = GitSandbox.Create("status bench");
            var repo = _sandbox.RepoPath;
            for (var i = 0; i < 300; i++)
            {
                _sandbox.WriteFile(repo, $"src/d{i / 30:D2}/f{i:D3}.txt", "line " + i.ToString(CultureInfo.InvariantCulture) + "\n");
            }

            _sandbox.Git(repo, "add", "-A");
            _sandbox.Git(repo, "commit", "-q", "-m", "300 files");
            for (var i = 0; i < Linked; i++)
            {
                var branch = $"agent/task-{i:D2}";
                var wt = _sandbox.AddWorktree(branch);
                _sandbox.CommitFile(wt, $"src/agent{i:D2}.txt", "work of agent " + i.ToString(CultureInfo.InvariantCulture) + "\n", "agent work");
                if (i < 8)
                {
                    _sandbox.Git(repo, "merge", "-q", "--no-ff", "-m", "merge " + branch, branch);
                }
                else if (i < 12)
                {
                    _sandbox.Git(repo, "merge", "-q", "--squash", branch);
                    _sandbox.Git(repo, "commit", "-q", "-m", "squash " + branch);
                }

                if (i % 3 == 0)
                {
                    _sandbox.WriteFile(wt, "scratch.txt", "untracked\n");
                    _sandbox.WriteFile(wt, $"src/d00/f{i % 30:D3}.txt", "modified\n");
                }
            }

            _sandbox.CommitFile(repo, "CHANGELOG.md", "main moves on\n");
            _sandbox.CommitFile(repo, "src/d09/f299.txt", "main changes a file\n");

            _runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
            _runspace.Open();
            _runspace.SessionStateProxy.Path.SetLocation(repo);
            using (var ps = System.Management.Automation.PowerShell.Create())
            {
                ps.Runspace = _runspace;
                ps.AddCommand("Import-Module").AddParameter("Name", RepoPaths.ModuleManifest).AddParameter("ErrorAction", "Stop");
                ps.Invoke();
            }

            _worktrees = _sandbox.Git(repo, "worktree", "list", "--porcelain").Split('\n')
                .Where(l => l.StartsWith("worktree ", StringComparison.Ordinal)).Select(l => l.Substring("worktree ".Length)).ToArray();
            var count = Cmdlet();
            if (_worktrees.Length != 40 || count != 40 || Reference() != 80)
            {
                throw new InvalidOperationException($"Expected 40 worktrees, git lists {_worktrees.Length}, the cmdlet {count}.");
            }

            Console.WriteLine("// git: " + _sandbox.Git(repo, "version").Trim());
        }

        [GlobalCleanup]
        public void Cleanup()
        {
            _runspace?.Dispose();
            _sandbox?.Dispose();
            Environment.SetEnvironmentVariable("PATH", _pathBefore);
        }

        [Benchmark(Baseline = true, Description = "git status --porcelain + git rev-list --left-right --count, each worktree in turn")]
        public int Reference()
        {
            var n = 0;
            foreach (var wt in _worktrees)
            {
                n += Run(wt, "status", "--porcelain");
                n += Run(wt, "rev-list", "--left-right", "--count", "main...HEAD");
            }

            return n;
        }

        [Benchmark(Description = "Get-WtWorktree -Status (hosted)")]
        public int Cmdlet()
        {
            using var ps = System.Management.Automation.PowerShell.Create();
            ps.Runspace = _runspace;
            ps.AddCommand("Get-WtWorktree").AddParameter("Status");
            var output = ps.Invoke();
            if (ps.HadErrors || output.Any(o => ((WtWorktree)o.BaseObject).StatusError != null || ((WtWorktree)o.BaseObject).Staged == null))
            {
                throw new InvalidOperationException("Get-WtWorktree -Status failed");
            }

            return output.Count;
        }

        /// <summary>
        /// Interleaved rounds for a shared machine: each round runs both methods back to back (order
        /// alternating), so load changes hit both alike; prints medians, minimums and the median of
        /// the per-round ratios. `-- --status-paired [rounds] [system|2.55]`.
        /// </summary>
        public static void Paired(int rounds, string git)
        {
            var bench = new StatusBenchmarks { Git = git };
            bench.Setup();
            try
            {
                var actions = new Func<int>[] { bench.Reference, bench.Cmdlet };
                var times = new[] { new double[rounds], new double[rounds] };
                for (var w = 0; w < 2; w++)
                {
                    actions[0]();
                    actions[1]();
                }

                for (var round = 0; round < rounds; round++)
                {
                    for (var j = 0; j < 2; j++)
                    {
                        var k = (round + j) % 2;
                        var clock = Stopwatch.StartNew();
                        actions[k]();
                        times[k][round] = clock.Elapsed.TotalMilliseconds;
                    }
                }

                var ratios = new double[rounds];
                for (var i = 0; i < rounds; i++)
                {
                    ratios[i] = times[0][i] / times[1][i];
                }

                Console.WriteLine($"Paired, {rounds} rounds, 40 worktrees, git {git}, load average {File.ReadAllText("/proc/loadavg").Trim()}:");
                Console.WriteLine("| Method | Median | Min |");
                Console.WriteLine("|---|---:|---:|");
                Console.WriteLine($"| reference (80 git processes in turn) | {Stats.Median(times[0]):0.0} ms | {Stats.Min(times[0]):0.0} ms |");
                Console.WriteLine($"| Get-WtWorktree -Status (hosted) | {Stats.Median(times[1]):0.0} ms | {Stats.Min(times[1]):0.0} ms |");
                Console.WriteLine($"Speed-up (reference / cmdlet), median of per-round ratios: {Stats.Median(ratios):0.00}x; min {Stats.Min(ratios):0.00}x, max {ratios.Max():0.00}x");
            }
            finally
            {
                bench.Cleanup();
            }
        }

        private static int Run(string directory, params string[] args)
        {
            var psi = new ProcessStartInfo("git")
            {
                WorkingDirectory = directory,
                RedirectStandardOutput = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
                StandardOutputEncoding = Encoding.UTF8,
            };
            foreach (var a in args)
            {
                psi.ArgumentList.Add(a);
            }

            using var p = Process.Start(psi)!;
            p.StandardInput.Close();
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0)
            {
                throw new InvalidOperationException($"git {string.Join(" ", args)} failed in {directory}");
            }

            return 1;
        }
    }
}

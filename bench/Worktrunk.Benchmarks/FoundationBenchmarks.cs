using System;
using System.Diagnostics;
using System.IO;
using System.Management.Automation.Runspaces;
using System.Text;
using BenchmarkDotNet.Attributes;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.TestSupport;

namespace Worktrunk.Benchmarks
{
    /// <summary>
    /// Module import cost: a fresh PowerShell 7.6 runspace (CreateDefault2) with the laid-out
    /// manifest imported, against the same runspace opened without it. Target: the difference
    /// under 100 ms. Assemblies load once per process, so this is the import a second session
    /// in a warm process pays; the cold first import is reported separately in docs/benchmarks.md.
    /// </summary>
    [SimpleJob(warmupCount: 3, iterationCount: 10)]
    [MemoryDiagnoser]
    [MinColumn]
    [MedianColumn]
    public class FoundationImportBenchmarks
    {
        private string _manifest = string.Empty;

        [GlobalSetup]
        public void Setup()
        {
            Hermetic.Apply();
            _manifest = RepoPaths.ModuleManifest;
            if (!File.Exists(_manifest))
            {
                throw new InvalidOperationException("Build first: " + _manifest + " is missing.");
            }
        }

        [Benchmark(Baseline = true, Description = "Open runspace (CreateDefault2)")]
        public void OpenRunspace()
        {
            using var runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
            runspace.Open();
        }

        [Benchmark(Description = "Open runspace + Import-Module Worktrunk.psd1")]
        public void OpenRunspaceAndImport()
        {
            using var runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
            runspace.Open();
            using var ps = System.Management.Automation.PowerShell.Create();
            ps.Runspace = runspace;
            ps.AddCommand("Import-Module").AddParameter("Name", _manifest).AddParameter("ErrorAction", "Stop");
            ps.Invoke();
            if (ps.HadErrors)
            {
                throw new InvalidOperationException("Import-Module failed");
            }
        }
    }

    /// <summary>
    /// Get-WtWorktree on a repository with 100 linked worktrees, against running
    /// `git worktree list --porcelain` alone as a process (the baseline). Target: ≤ 1.3x.
    /// "Core" is the work the cmdlet does (RepositoryLocator.Locate + WorktreeLister.List);
    /// "Cmdlet" is the hosted cmdlet invocation in an open runspace with the module imported.
    /// </summary>
    [SimpleJob(warmupCount: 3, iterationCount: 10)]
    [MemoryDiagnoser]
    [MinColumn]
    [MedianColumn]
    public class FoundationListBenchmarks
    {
        private GitSandbox? _sandbox;
        private Runspace? _runspace;
        private GitRunner? _git;

        [GlobalSetup]
        public void Setup()
        {
            _sandbox = GitSandbox.Create("bench repo");
            for (var i = 0; i < 100; i++)
            {
                _sandbox.AddWorktree($"agent/task-{i:D3}");
            }

            _git = new GitRunner(NullSink.Instance);
            _runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
            _runspace.Open();
            _runspace.SessionStateProxy.Path.SetLocation(_sandbox.RepoPath);
            using var ps = System.Management.Automation.PowerShell.Create();
            ps.Runspace = _runspace;
            ps.AddCommand("Import-Module").AddParameter("Name", RepoPaths.ModuleManifest).AddParameter("ErrorAction", "Stop");
            ps.Invoke();

            var count = Cmdlet();
            if (count != 101 || Core() != 101)
            {
                throw new InvalidOperationException($"Expected 101 worktrees, the cmdlet listed {count}.");
            }
        }

        /// <summary>
        /// Interleaved measurement for a shared, noisy machine: each round runs the three methods
        /// back to back (in rotating order), so load changes hit all three alike; reports each
        /// method's median and minimum and the median of the per-round ratios to the baseline.
        /// `dotnet run -c Release --project bench/Worktrunk.Benchmarks -- --foundation-paired [rounds]`.
        /// </summary>
        public static void Paired(int rounds)
        {
            var bench = new FoundationListBenchmarks();
            bench.Setup();
            try
            {
                var names = new[] { "git worktree list --porcelain (process)", "Core: Locate + WorktreeLister.List", "Cmdlet: Get-WtWorktree (hosted)" };
                var actions = new Func<int>[] { bench.GitAlone, bench.Core, bench.Cmdlet };
                var times = new double[3][];
                for (var k = 0; k < 3; k++)
                {
                    times[k] = new double[rounds];
                    for (var w = 0; w < 5; w++)
                    {
                        actions[k]();
                    }
                }

                for (var round = 0; round < rounds; round++)
                {
                    for (var j = 0; j < 3; j++)
                    {
                        var k = (round + j) % 3;
                        var clock = Stopwatch.StartNew();
                        actions[k]();
                        times[k][round] = clock.Elapsed.TotalMilliseconds;
                    }
                }

                Console.WriteLine($"Paired, {rounds} rounds, 100 linked worktrees:");
                Console.WriteLine("| Method | Median | Min | Median of per-round ratio |");
                Console.WriteLine("|---|---:|---:|---:|");
                for (var k = 0; k < 3; k++)
                {
                    var ratios = new double[rounds];
                    for (var i = 0; i < rounds; i++)
                    {
                        ratios[i] = times[k][i] / times[0][i];
                    }

                    Console.WriteLine($"| {names[k]} | {Stats.Median(times[k]):0.00} ms | {Stats.Min(times[k]):0.00} ms | {Stats.Median(ratios):0.00} |");
                }
            }
            finally
            {
                bench.Cleanup();
            }
        }

        [GlobalCleanup]
        public void Cleanup()
        {
            _runspace?.Dispose();
            _sandbox?.Dispose();
        }

        [Benchmark(Baseline = true, Description = "git worktree list --porcelain (process)")]
        public int GitAlone()
        {
            var psi = new ProcessStartInfo("git")
            {
                WorkingDirectory = _sandbox!.RepoPath,
                RedirectStandardOutput = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
                StandardOutputEncoding = Encoding.UTF8,
            };
            psi.ArgumentList.Add("worktree");
            psi.ArgumentList.Add("list");
            psi.ArgumentList.Add("--porcelain");
            using var p = Process.Start(psi)!;
            p.StandardInput.Close();
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return output.Length;
        }

        [Benchmark(Description = "Core: Locate + WorktreeLister.List")]
        public int Core()
        {
            var repo = RepositoryLocator.Locate(_sandbox!.RepoPath, _git!);
            return WorktreeLister.List(repo, _git!, _sandbox.RepoPath).Count;
        }

        [Benchmark(Description = "Cmdlet: Get-WtWorktree (hosted)")]
        public int Cmdlet()
        {
            using var ps = System.Management.Automation.PowerShell.Create();
            ps.Runspace = _runspace;
            ps.AddCommand("Get-WtWorktree");
            return ps.Invoke().Count;
        }
    }
}

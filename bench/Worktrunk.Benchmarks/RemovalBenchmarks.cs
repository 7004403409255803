using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Worktrunk.TestSupport;

namespace Worktrunk.Benchmarks
{
    /// <summary>
    /// Time until the command returns, removing a worktree of 50,000 tracked files: the reference
    /// method `git worktree remove --force` against Remove-WtWorktree -Force in a hosted PowerShell
    /// 7.6 session with the laid-out module (fsmonitor stop, rename into the trash, scoped
    /// unregister, branch check, detached background deletion and the orphan sweep all included).
    /// Each iteration gets a fresh identical worktree (`git worktree add`, outside the timer); with
    /// Settled, its writeback is finished first (`sync`, 0.5 s pause), as for any worktree that has
    /// existed for a while.
    /// After each Remove-WtWorktree iteration the cleanup waits for the background deletion and
    /// throws if it does not complete within 5 minutes; its durations are printed at the end.
    /// Target: Remove-WtWorktree at least 20x faster (ratio column).
    /// </summary>
    [SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 9)]
    public class RemovalBenchmarks
    {
        private const int Files = 50_000;
        private const int FilesPerDirectory = 100;

        private static readonly List<double> s_backgroundSeconds = new List<double>();

        private GitSandbox? _sandbox;
        private PowerShellSession? _session;
        private string _path = string.Empty;
        private string _trash = string.Empty;
        private int _counter;

        /// <summary>
        /// Gets or sets a value indicating whether the checkout is written back to disk (`sync`, then
        /// a 0.5 s pause) before each timed removal, as any worktree that has existed for a while
        /// is. False times the removal right after the checkout, while its files are still dirty in
        /// the page cache (cheap for git to unlink).
        /// </summary>
        [Params(true, false)]
        public bool Settled { get; set; }

        [GlobalSetup]
        public void Setup()
        {
            _sandbox = GitSandbox.Create("bench");
            var repo = _sandbox.RepoPath;
            for (var i = 0; i < Files; i++)
            {
                var dir = Path.Combine(repo, "src", "d" + (i / FilesPerDirectory).ToString("D3", CultureInfo.InvariantCulture));
                if (i % FilesPerDirectory == 0)
                {
                    Directory.CreateDirectory(dir);
                }

                File.WriteAllText(Path.Combine(dir, "f" + i.ToString(CultureInfo.InvariantCulture) + ".txt"), "line " + i.ToString(CultureInfo.InvariantCulture) + "\n");
            }

            _sandbox.Git(repo, "add", "-A");
            _sandbox.Git(repo, "commit", "-q", "-m", "50,000 files");
            _trash = Path.Combine(_sandbox.CommonDir, "wt", "trash");
            _session = new PowerShellSession(repo);
        }

        [GlobalCleanup]
        public void Cleanup()
        {
            _session?.Dispose();
            _sandbox?.Dispose();
            if (s_backgroundSeconds.Count > 0)
            {
                Console.WriteLine("// Remove-WtWorktree (Settled=" + Settled + ") background deletion of 50,000 files completed every time; seconds after the cmdlet returned: " +
                    string.Join(", ", s_backgroundSeconds.Select(s => s.ToString("0.00", CultureInfo.InvariantCulture))));
            }
        }

        [IterationSetup]
        public void AddWorktree()
        {
            _counter++;
            var branch = "bench" + _counter.ToString(CultureInfo.InvariantCulture);
            _path = _sandbox!.AddWorktree(branch);
            if (Directory.GetFiles(Path.Combine(_path, "src", "d000")).Length != FilesPerDirectory)
            {
                throw new InvalidOperationException("the worktree was not checked out");
            }

            if (Settled)
            {
                // Let the checkout's writeback finish so neither method pays for the setup's I/O.
                using (var sync = Process.Start(new ProcessStartInfo("sync") { UseShellExecute = false }))
                {
                    sync!.WaitForExit();
                }

                System.Threading.Thread.Sleep(500);
            }
        }

        [IterationCleanup(Target = nameof(RemoveWtWorktree))]
        public void WaitForBackgroundDeletion()
        {
            var clock = Stopwatch.StartNew();
            while (Directory.Exists(_trash) && Directory.EnumerateFileSystemEntries(_trash).Any())
            {
                if (clock.Elapsed > TimeSpan.FromMinutes(5))
                {
                    throw new InvalidOperationException("the background deletion did not complete within 5 minutes");
                }

                System.Threading.Thread.Sleep(20);
            }

            s_backgroundSeconds.Add(clock.Elapsed.TotalSeconds);
        }

        [Benchmark(Baseline = true, Description = "git worktree remove --force")]
        public void GitWorktreeRemoveForce()
        {
            _sandbox!.Git(_sandbox.RepoPath, "worktree", "remove", "--force", _path);
            if (Directory.Exists(_path))
            {
                throw new InvalidOperationException("git left the worktree behind");
            }
        }

        [Benchmark(Description = "Remove-WtWorktree -Force")]
        public void RemoveWtWorktree()
        {
            var r = _session!.Invoke("Remove-WtWorktree -Path $args[0] -Force", _path);
            if (r.Terminating != null || r.Errors.Count > 0 || Directory.Exists(_path))
            {
                throw new InvalidOperationException("Remove-WtWorktree failed: " + (r.Terminating?.Message ?? string.Join("; ", r.Errors)));
            }
        }
    }
}

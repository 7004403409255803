using System;
using System.Linq;
using BenchmarkDotNet.Running;

namespace Worktrunk.Benchmarks
{
    /// <summary>Entry point: `dotnet run -c Release --project bench/Worktrunk.Benchmarks -- --filter '*'`.</summary>
    public static class Program
    {
        /// <summary>Exit code 1 when a benchmark failed (threw, did not build, measured nothing) or the filter matched none: BenchmarkDotNet itself exits 0 then.</summary>
        public static int Main(string[] args)
        {
            // Not BenchmarkDotNet: an interleaved run for a machine shared with other work (docs/benchmarks.md).
            if (args.Length > 0 && args[0] == "--foundation-paired")
            {
                FoundationListBenchmarks.Paired(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 60);
                return 0;
            }

            if (args.Length > 0 && args[0] == "--status-paired")
            {
                StatusBenchmarks.Paired(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 20, args.Length > 2 ? args[2] : "system");
                return 0;
            }

            if (args.Length > 0 && args[0] == "--daemons-paired")
            {
                DaemonDiscoveryBenchmarks.Paired(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 60);
                return 0;
            }

            if (args.Length > 0 && args[0] == "--processes-paired")
            {
                WorktreeProcessBenchmarks.Paired(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 40);
                return 0;
            }

            if (args.Length > 0 && args[0] == "--socket-discovery")
            {
                SocketDiscoveryBenchmarks.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 40, table: !(args.Length > 2 && args[2] == "pairs"));
                return 0;
            }

            if (args.Length > 0 && args[0] == "--socket-discovery-strace")
            {
                try
                {
                    SocketDiscoveryBenchmarks.StraceWindow(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture), int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture), args.Length > 3 && args[3] == "take", args.Length > 4 && args[4] == "real");
                }
                finally
                {
                    SocketDiscoveryBenchmarks.DeleteCompiledStandIn();
                }

                return 0;
            }

            if (args.Length > 0 && args[0] == "--socket-discovery-netunix")
            {
                SocketDiscoveryBenchmarks.NetUnix(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture), 50);
                return 0;
            }

            if (args.Length > 0 && args[0] == "--socket-discovery-profile")
            {
                try
                {
                    SocketDiscoveryBenchmarks.Profile(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture), int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture), 30);
                }
                finally
                {
                    SocketDiscoveryBenchmarks.DeleteCompiledStandIn();
                }

                return 0;
            }

            if (args.Length > 0 && args[0] == "--socket-discovery-real")
            {
                int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i], System.Globalization.CultureInfo.InvariantCulture) : fallback;
                SocketDiscoveryBenchmarks.RunReal(Arg(1, 40), Arg(2, 10), Arg(3, 10));
                return 0;
            }

            var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args).ToList();
            if (args.Any(a => a == "--list" || a == "--help" || a == "-h" || a == "--info" || a == "--version"))
            {
                return 0;
            }

            var failed = summaries.SelectMany(s => s.Reports).Where(r => !r.Success || r.ResultStatistics == null).Select(r => r.BenchmarkCase.DisplayInfo).ToList();
            failed.AddRange(summaries.Where(s => s.HasCriticalValidationErrors).Select(s => s.Title + ": critical validation errors"));
            if (summaries.Count == 0 || summaries.All(s => s.Reports.Length == 0))
            {
                Console.Error.WriteLine("No benchmark ran (the filter matched none?).");
                return 1;
            }

            foreach (var f in failed)
            {
                Console.Error.WriteLine("Benchmark failed: " + f);
            }

            return failed.Count == 0 ? 0 : 1;
        }
    }
}

using BenchmarkDotNet.Running;

namespace Worktrunk.Benchmarks
{
    /// <summary>Entry point: `dotnet run -c Release --project bench/Worktrunk.Benchmarks -- --filter '*'`.</summary>
    public static class Program
    {
        public static void Main(string[] args)
        {
            // Not BenchmarkDotNet: an interleaved run for a machine shared with other work (docs/benchmarks.md).
            if (args.Length > 0 && args[0] == "--foundation-paired")
            {
                FoundationListBenchmarks.Paired(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 60);
                return;
            }

            if (args.Length > 0 && args[0] == "--daemons-paired")
            {
                DaemonDiscoveryBenchmarks.Paired(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 60);
                return;
            }

            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        }
    }
}

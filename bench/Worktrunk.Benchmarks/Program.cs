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

            if (args.Length > 0 && args[0] == "--socket-discovery")
            {
                SocketDiscoveryBenchmarks.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 40, table: !(args.Length > 2 && args[2] == "pairs"));
                return;
            }

            if (args.Length > 0 && args[0] == "--socket-discovery-strace")
            {
                SocketDiscoveryBenchmarks.StraceWindow(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture), int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture));
                return;
            }

            if (args.Length > 0 && args[0] == "--socket-discovery-profile")
            {
                SocketDiscoveryBenchmarks.Profile(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture), int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture), 30);
                return;
            }

            if (args.Length > 0 && args[0] == "--socket-discovery-real")
            {
                int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i], System.Globalization.CultureInfo.InvariantCulture) : fallback;
                SocketDiscoveryBenchmarks.RunReal(Arg(1, 40), Arg(2, 10), Arg(3, 10));
                return;
            }

            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        }
    }
}

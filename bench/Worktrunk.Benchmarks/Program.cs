using BenchmarkDotNet.Running;

namespace Worktrunk.Benchmarks
{
    /// <summary>Entry point: `dotnet run -c Release --project bench/Worktrunk.Benchmarks -- --filter '*'`.</summary>
    public static class Program
    {
        public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}

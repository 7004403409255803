using System;

namespace Worktrunk.Benchmarks
{
    /// <summary>Order statistics for the paired-run reports some benchmarks print beside BenchmarkDotNet's table.</summary>
    internal static class Stats
    {
        internal static double Median(double[] values)
        {
            var sorted = (double[])values.Clone();
            Array.Sort(sorted);
            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        }

        internal static double Min(double[] values)
        {
            var min = double.MaxValue;
            foreach (var v in values)
            {
                min = Math.Min(min, v);
            }

            return min;
        }
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Worktrunk.Daemons;
using Xunit;

namespace Worktrunk.Core.Tests.Daemons
{
    /// <summary>DaemonDiscovery's two-thread work split: every item once, results in item order, exceptions surface.</summary>
    public sealed class DiscoveryWorkSplitTests
    {
        [Theory]
        [InlineData(2)]
        [InlineData(15)]
        [InlineData(16)]
        [InlineData(17)]
        [InlineData(1001)]
        public void Every_item_is_worked_once_and_results_keep_item_order(int count)
        {
            var items = Enumerable.Range(0, count).ToList();
            var results = new List<int>();
            DaemonDiscovery.ForChunks(items, parallel: true, (chunk, into) =>
            {
                foreach (var i in chunk)
                {
                    into.Add(i * 10);
                }
            }, results);

            Assert.Equal(items.Select(i => i * 10), results);
        }

        [Fact]
        public void A_slow_second_thread_does_not_hold_the_work_back()
        {
            // The pool thread is held at its first block until this thread has done several: the counter hands the rest out.
            var items = Enumerable.Range(0, 64).ToList();
            var onCaller = 0;
            var caller = Environment.CurrentManagedThreadId;
            using var release = new ManualResetEventSlim(false);
            var results = new List<int>();
            DaemonDiscovery.ForChunks(items, parallel: true, (chunk, into) =>
            {
                if (Environment.CurrentManagedThreadId == caller)
                {
                    if (Interlocked.Increment(ref onCaller) == 4)
                    {
                        release.Set();
                    }
                }
                else
                {
                    Assert.True(release.Wait(TimeSpan.FromMinutes(2)));
                }

                into.AddRange(chunk);
            }, results);

            Assert.Equal(items, results);
            Assert.True(onCaller >= 4);
        }

        [Fact]
        public void An_exception_on_either_thread_surfaces_after_both_stopped()
        {
            var items = Enumerable.Range(0, 64).ToList();
            var running = 0;
            var e = Assert.Throws<InvalidOperationException>(() => DaemonDiscovery.ForChunks(items, parallel: true, (chunk, into) =>
            {
                Interlocked.Increment(ref running);
                try
                {
                    if (chunk.Contains(40))
                    {
                        throw new InvalidOperationException("block of 40");
                    }
                }
                finally
                {
                    Interlocked.Decrement(ref running);
                }
            }, new List<int>()));
            Assert.Equal("block of 40", e.Message);
            Assert.Equal(0, Volatile.Read(ref running));
        }
    }
}

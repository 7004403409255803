using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Worktrunk.Diagnostics;
using Worktrunk.Interop;
using Worktrunk.Processes;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Processes
{
    /// <summary>
    /// A descriptor this process holds without close-on-exec (as a host inherits one from a CI
    /// runner or a terminal) never reaches a child started through UnixSpawn: a tethered server
    /// or a daemon would otherwise keep it open for its whole life (a CI step that never ends).
    /// </summary>
    public sealed class InheritedDescriptorTests : IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "wt-fds-" + Guid.NewGuid().ToString("N").Substring(0, 8));

        public InheritedDescriptorTests()
        {
            Directory.CreateDirectory(_dir);
        }

        public void Dispose() => TestFiles.DeleteTree(_dir);

        [DllImport("libc", EntryPoint = "open", SetLastError = true)]
        private static extern int OpenInheritable(string path, int flags);

        [DllImport("libc", SetLastError = true)]
        private static extern int close(int fd);

        [Fact]
        public void A_descriptor_left_inheritable_by_the_host_does_not_reach_the_child()
        {
            if (!Platform.IsLinux)
            {
                return;
            }

            var file = Path.Combine(_dir, "held-open");
            File.WriteAllText(file, "x");
            var fd = OpenInheritable(file, 0); // O_RDONLY, deliberately without O_CLOEXEC
            Assert.True(fd > 2, "open failed: errno " + Marshal.GetLastWin32Error());
            try
            {
                // The child lists what it holds; the descriptor must not be among them, and
                // nothing else but 0, 1 and 2 (and the directory ls itself opens) may be.
                var r = ProcessRunner.Run(new SpawnOptions("ls", new[] { "-l", "/proc/self/fd/" }), TimeSpan.FromSeconds(20), NullSink.Instance);
                Assert.Equal(0, r.ExitCode);
                Assert.DoesNotContain(file, r.Stdout);
                var held = r.Stdout.Split('\n').Where(l => l.Contains(" -> ")).Select(l => l.Substring(0, l.IndexOf(" -> ", StringComparison.Ordinal)).Split(' ').Last()).ToList();
                Assert.DoesNotContain(fd.ToString(System.Globalization.CultureInfo.InvariantCulture), held);
                Assert.True(held.Count <= 4, "the child holds more than stdio and ls's own directory: " + string.Join(",", held));
            }
            finally
            {
                close(fd);
            }
        }
    }
}

using System;
using System.IO;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.PowerShell.Tests.Tether
{
    /// <summary>
    /// Points WORKTRUNK_POWERSHELL_HOST at tools/Worktrunk.Shell (the PowerShell 7.6 engine standing
    /// in for pwsh, which this test process is not and which is not on PATH here) for the -Detach
    /// supervisors and the session's guardian, and puts the previous value back on Dispose.
    /// </summary>
    internal sealed class ShellHostScope : IDisposable
    {
        internal const string Variable = "WORKTRUNK_POWERSHELL_HOST";
        private readonly string? _previous = Environment.GetEnvironmentVariable(Variable);

        internal ShellHostScope()
        {
            Assert.True(File.Exists(RepoPaths.ShellExecutable), "build tools/Worktrunk.Shell first: " + RepoPaths.ShellExecutable);
            Environment.SetEnvironmentVariable(Variable, RepoPaths.ShellExecutable);
        }

        public void Dispose() => Environment.SetEnvironmentVariable(Variable, _previous);
    }
}

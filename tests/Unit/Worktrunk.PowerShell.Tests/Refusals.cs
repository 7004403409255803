using System.Management.Automation;
using Worktrunk.PowerShell.Tests.Removal;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.PowerShell.Tests
{
    /// <summary>A refusal through a cmdlet: exactly one error with the given id, no output, no terminating error, and the repository byte-for-byte as it was.</summary>
    internal static class Refusals
    {
        internal static ErrorRecord Unchanged(GitSandbox sb, PowerShellSession ps, string script, string fullyQualifiedErrorId, params object[] args)
        {
            var before = RepoSnapshot.Take(sb);
            var r = ps.Invoke(script, args);
            Assert.Null(r.Terminating);
            Assert.Empty(r.Output);
            var error = Assert.Single(r.Errors);
            Assert.Equal(fullyQualifiedErrorId, error.FullyQualifiedErrorId);
            before.AssertUnchanged(sb);
            return error;
        }
    }
}

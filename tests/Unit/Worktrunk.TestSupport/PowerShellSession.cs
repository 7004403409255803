using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace Worktrunk.TestSupport
{
    /// <summary>What one invocation produced, stream by stream.</summary>
    public sealed class InvocationResult
    {
        public InvocationResult(Collection<PSObject> output, PSDataStreams streams, RuntimeException? terminating)
        {
            Output = output.ToList();
            Errors = streams.Error.ToList();
            Verbose = streams.Verbose.Select(v => v.Message).ToList();
            Warnings = streams.Warning.Select(w => w.Message).ToList();
            Progress = streams.Progress.ToList();
            Terminating = terminating;
        }

        public List<PSObject> Output { get; }

        public List<ErrorRecord> Errors { get; }

        public List<string> Verbose { get; }

        public List<string> Warnings { get; }

        public List<ProgressRecord> Progress { get; }

        /// <summary>The terminating error, if the pipeline threw.</summary>
        public RuntimeException? Terminating { get; }

        /// <summary>Every error id seen: non-terminating ones and the terminating one.</summary>
        public IEnumerable<string> ErrorIds =>
            Errors.Select(e => e.FullyQualifiedErrorId).Concat(Terminating?.ErrorRecord != null ? new[] { Terminating.ErrorRecord.FullyQualifiedErrorId } : Array.Empty<string>());

        public T Single<T>() => (T)Output.Single().BaseObject;

        public List<T> All<T>() => Output.Select(o => (T)o.BaseObject).ToList();
    }

    /// <summary>
    /// A PowerShell 7.6 runspace (InitialSessionState.CreateDefault2) with the laid-out module
    /// imported by its manifest, as a user's session would have it. Not thread-safe; tests that
    /// use it run in the non-parallel "PowerShell" collection.
    /// </summary>
    public sealed class PowerShellSession : IDisposable
    {
        private readonly Runspace _runspace;

        public PowerShellSession(string? location = null, bool importModule = true)
        {
            Hermetic.Apply();
            var iss = InitialSessionState.CreateDefault2();
            _runspace = RunspaceFactory.CreateRunspace(iss);
            _runspace.Open();
            if (importModule)
            {
                var import = Invoke("Import-Module -Name $args[0] -ErrorAction Stop", RepoPaths.ModuleManifest);
                if (import.Terminating != null || import.Errors.Count > 0)
                {
                    throw new InvalidOperationException("Import-Module failed: " + (import.Terminating?.Message ?? import.Errors[0].ToString()));
                }
            }

            if (location != null)
            {
                SetLocation(location);
            }
        }

        public Runspace Runspace => _runspace;

        /// <summary>Sets the session's location (as Set-Location would); the process's working directory is not touched.</summary>
        public void SetLocation(string path) => _runspace.SessionStateProxy.Path.SetLocation(path);

        public string Location => _runspace.SessionStateProxy.Path.CurrentLocation.Path;

        /// <summary>
        /// Runs a script; $args holds <paramref name="args"/>. A terminating error (which inside a
        /// script would only end its statement) ends the script and lands in
        /// <see cref="InvocationResult.Terminating"/>; non-terminating errors stay in Errors.
        /// </summary>
        public InvocationResult Invoke(string script, params object[] args)
        {
            using var ps = System.Management.Automation.PowerShell.Create();
            ps.Runspace = _runspace;
            ps.AddScript("try {\n" + script + "\n} catch { throw }");
            foreach (var a in args)
            {
                ps.AddArgument(a);
            }

            Collection<PSObject> output;
            RuntimeException? terminating = null;
            try
            {
                output = ps.Invoke();
            }
            catch (RuntimeException e)
            {
                output = new Collection<PSObject>();
                terminating = e;
            }

            return new InvocationResult(output, ps.Streams, terminating);
        }

        /// <summary>Runs one command with named parameters (a hashtable splat).</summary>
        public InvocationResult InvokeCommand(string command, IDictionary parameters)
        {
            using var ps = System.Management.Automation.PowerShell.Create();
            ps.Runspace = _runspace;
            ps.AddCommand(command).AddParameters(parameters);
            Collection<PSObject> output;
            RuntimeException? terminating = null;
            try
            {
                output = ps.Invoke();
            }
            catch (RuntimeException e)
            {
                output = new Collection<PSObject>();
                terminating = e;
            }

            return new InvocationResult(output, ps.Streams, terminating);
        }

        public void Dispose()
        {
            _runspace.Dispose();
        }
    }
}

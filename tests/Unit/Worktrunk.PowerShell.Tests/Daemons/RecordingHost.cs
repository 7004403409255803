using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Management.Automation.Runspaces;
using System.Security;
using Worktrunk.TestSupport;

namespace Worktrunk.PowerShell.Tests.Daemons
{
    /// <summary>
    /// A PSHost whose UI records what the engine writes to the console (What if: lines) and
    /// answers confirmation prompts with a fixed choice, counting them.
    /// </summary>
    internal sealed class RecordingHost : PSHost
    {
        private readonly RecordingUI _ui = new RecordingUI();

        public override string Name => "WorktrunkTestHost";

        public override Version Version => new Version(1, 0);

        public override Guid InstanceId { get; } = Guid.NewGuid();

        public override PSHostUserInterface UI => _ui;

        public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;

        public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;

        internal List<string> Lines => _ui.Lines;

        internal List<string> Prompts => _ui.Prompts;

        /// <summary>Gets or sets the label answered to every prompt ("&amp;Yes", "&amp;No", ...).</summary>
        internal string Answer { get => _ui.Answer; set => _ui.Answer = value; }

        public override void EnterNestedPrompt() => throw new NotSupportedException();

        public override void ExitNestedPrompt() => throw new NotSupportedException();

        public override void NotifyBeginApplication()
        {
        }

        public override void NotifyEndApplication()
        {
        }

        public override void SetShouldExit(int exitCode)
        {
        }

        /// <summary>Opens a runspace on this host with the laid-out module imported.</summary>
        internal Runspace OpenRunspace(string location)
        {
            Hermetic.Apply();
            var runspace = RunspaceFactory.CreateRunspace(this, InitialSessionState.CreateDefault2());
            runspace.Open();
            using (var ps = System.Management.Automation.PowerShell.Create())
            {
                ps.Runspace = runspace;
                ps.AddCommand("Import-Module").AddParameter("Name", RepoPaths.ModuleManifest).AddParameter("ErrorAction", "Stop").Invoke();
            }

            runspace.SessionStateProxy.Path.SetLocation(location);
            return runspace;
        }

        private sealed class RecordingUI : PSHostUserInterface
        {
            internal List<string> Lines { get; } = new List<string>();

            internal List<string> Prompts { get; } = new List<string>();

            internal string Answer { get; set; } = "&Yes";

            public override PSHostRawUserInterface? RawUI => null;

            public override string ReadLine() => string.Empty;

            public override SecureString ReadLineAsSecureString() => new SecureString();

            public override void Write(string value) => Lines.Add(value);

            public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Lines.Add(value);

            public override void WriteLine(string value) => Lines.Add(value);

            public override void WriteErrorLine(string value) => Lines.Add("ERROR: " + value);

            public override void WriteDebugLine(string message)
            {
            }

            public override void WriteProgress(long sourceId, ProgressRecord record)
            {
            }

            public override void WriteVerboseLine(string message)
            {
            }

            public override void WriteWarningLine(string message) => Lines.Add("WARNING: " + message);

            public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) => throw new NotSupportedException();

            public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw new NotSupportedException();

            public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw new NotSupportedException();

            public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
            {
                Prompts.Add(caption + ": " + message);
                for (var i = 0; i < choices.Count; i++)
                {
                    if (string.Equals(choices[i].Label, Answer, StringComparison.Ordinal))
                    {
                        return i;
                    }
                }

                throw new InvalidOperationException("No choice labelled " + Answer);
            }
        }
    }
}

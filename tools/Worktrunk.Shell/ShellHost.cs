using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace Worktrunk.Shell
{
    /// <summary>A minimal PSHost: output to the console, prompts answered from stdin (refused when -NonInteractive).</summary>
    internal sealed class ShellHost : PSHost
    {
        private readonly ShellHostUI _ui;
        private readonly Guid _id = Guid.NewGuid();

        internal ShellHost(bool nonInteractive, bool plainText)
        {
            _ui = new ShellHostUI(nonInteractive) { PlainText = plainText };
        }

        internal int? ExitCode { get; private set; }

        public override CultureInfo CurrentCulture => CultureInfo.CurrentCulture;

        public override CultureInfo CurrentUICulture => CultureInfo.CurrentUICulture;

        public override Guid InstanceId => _id;

        public override string Name => "Worktrunk.Shell";

        public override PSHostUserInterface UI => _ui;

        public override Version Version => typeof(ShellHost).Assembly.GetName().Version ?? new Version(1, 0);

        public override void EnterNestedPrompt() => throw new NotSupportedException("Nested prompts are not supported.");

        public override void ExitNestedPrompt() => throw new NotSupportedException("Nested prompts are not supported.");

        public override void NotifyBeginApplication()
        {
        }

        public override void NotifyEndApplication()
        {
        }

        public override void SetShouldExit(int exitCode) => ExitCode = exitCode;
    }

    internal sealed class ShellHostUI : PSHostUserInterface
    {
        private readonly bool _nonInteractive;
        private readonly ShellRawUI _raw = new ShellRawUI();

        internal ShellHostUI(bool nonInteractive)
        {
            _nonInteractive = nonInteractive;
        }

        public override PSHostRawUserInterface RawUI => _raw;

        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions)
        {
            EnsureInteractive();
            var result = new Dictionary<string, PSObject>();
            foreach (var d in descriptions)
            {
                Console.Error.Write(d.Name + ": ");
                result[d.Name] = PSObject.AsPSObject(Console.ReadLine() ?? string.Empty);
            }

            return result;
        }

        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
        {
            EnsureInteractive();
            Console.Error.WriteLine(caption);
            Console.Error.WriteLine(message);
            while (true)
            {
                for (var i = 0; i < choices.Count; i++)
                {
                    Console.Error.Write($"[{choices[i].Label.Replace("&", string.Empty)}] ");
                }

                Console.Error.Write($"(default is \"{choices[defaultChoice].Label.Replace("&", string.Empty)}\"): ");
                var answer = (Console.ReadLine() ?? string.Empty).Trim();
                if (answer.Length == 0)
                {
                    return defaultChoice;
                }

                for (var i = 0; i < choices.Count; i++)
                {
                    var label = choices[i].Label;
                    var amp = label.IndexOf('&');
                    var hotkey = amp >= 0 && amp + 1 < label.Length ? label[amp + 1].ToString() : label.Substring(0, 1);
                    if (string.Equals(answer, hotkey, StringComparison.OrdinalIgnoreCase) || string.Equals(answer, label.Replace("&", string.Empty), StringComparison.OrdinalIgnoreCase))
                    {
                        return i;
                    }
                }
            }
        }

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw new NotSupportedException("Credential prompts are not supported.");

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw new NotSupportedException("Credential prompts are not supported.");

        public override string ReadLine()
        {
            EnsureInteractive();
            return Console.ReadLine() ?? string.Empty;
        }

        public override SecureString ReadLineAsSecureString() => throw new NotSupportedException("Secure input is not supported.");

        /// <summary>Gets or sets a value indicating whether VT escape sequences are stripped (output redirected, or NO_COLOR).</summary>
        internal bool PlainText { get; set; }

        public override bool SupportsVirtualTerminal => !PlainText;

        public override void Write(string value) => Console.Out.Write(Render(value));

        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Console.Out.Write(Render(value));

        public override void WriteLine(string value) => Console.Out.WriteLine(Render(value));

        public override void WriteErrorLine(string value) => Console.Error.WriteLine(Render(value));

        private string Render(string value) => PlainText ? System.Text.RegularExpressions.Regex.Replace(value, "\u001b\\[[0-9;?]*[A-Za-z]", string.Empty) : value;

        public override void WriteDebugLine(string message) => Console.Error.WriteLine("DEBUG: " + message);

        public override void WriteProgress(long sourceId, ProgressRecord record)
        {
        }

        public override void WriteVerboseLine(string message) => Console.Error.WriteLine("VERBOSE: " + message);

        public override void WriteWarningLine(string message) => Console.Error.WriteLine("WARNING: " + message);

        private void EnsureInteractive()
        {
            if (_nonInteractive)
            {
                throw new PSInvalidOperationException("The host is non-interactive (-NonInteractive): cannot prompt. Pass -Confirm:$false or -Force.");
            }
        }
    }

    internal sealed class ShellRawUI : PSHostRawUserInterface
    {
        public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;

        public override Size BufferSize
        {
            get => new Size(Width(), 9999);
            set { }
        }

        public override Coordinates CursorPosition { get; set; }

        public override int CursorSize { get; set; } = 1;

        public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.Gray;

        public override bool KeyAvailable => false;

        public override Size MaxPhysicalWindowSize => new Size(Width(), 9999);

        public override Size MaxWindowSize => new Size(Width(), 9999);

        public override Coordinates WindowPosition { get; set; }

        public override Size WindowSize
        {
            get => new Size(Width(), 50);
            set { }
        }

        public override string WindowTitle { get; set; } = "Worktrunk.Shell";

        public override void FlushInputBuffer()
        {
        }

        public override BufferCell[,] GetBufferContents(Rectangle rectangle) => throw new NotSupportedException();

        public override KeyInfo ReadKey(ReadKeyOptions options) => throw new NotSupportedException();

        public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill)
        {
        }

        public override void SetBufferContents(Coordinates origin, BufferCell[,] contents)
        {
        }

        public override void SetBufferContents(Rectangle rectangle, BufferCell fill)
        {
        }

        private static int Width()
        {
            var columns = Environment.GetEnvironmentVariable("COLUMNS");
            if (int.TryParse(columns, out var c) && c > 20)
            {
                return c;
            }

            try
            {
                if (!Console.IsOutputRedirected && Console.WindowWidth > 20)
                {
                    return Console.WindowWidth;
                }
            }
            catch (System.IO.IOException)
            {
            }

            return 160;
        }
    }
}

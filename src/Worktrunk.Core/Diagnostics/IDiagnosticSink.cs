namespace Worktrunk.Diagnostics
{
    /// <summary>
    /// Where the core reports what it is doing. The core never writes to a console or to
    /// PowerShell streams itself; the cmdlet layer adapts this to WriteVerbose, WriteWarning,
    /// WriteDebug and WriteProgress on the pipeline thread.
    /// </summary>
    internal interface IDiagnosticSink
    {
        /// <summary>A step a user asking with -Verbose wants to see, including every external command run.</summary>
        void Verbose(string message);

        /// <summary>Something went wrong in a best-effort step; the operation continues.</summary>
        void Warning(string message);

        /// <summary>Detail for maintainers (exit codes, timings).</summary>
        void Debug(string message);

        /// <summary>Progress of long work. <paramref name="percent"/> is -1 when unknown; <paramref name="completed"/> closes the bar.</summary>
        void Progress(int activityId, string activity, string status, int percent, bool completed);
    }

    /// <summary>A sink that drops everything; for callers that do not listen.</summary>
    internal sealed class NullSink : IDiagnosticSink
    {
        internal static readonly NullSink Instance = new NullSink();

        private NullSink()
        {
        }

        public void Verbose(string message)
        {
        }

        public void Warning(string message)
        {
        }

        public void Debug(string message)
        {
        }

        public void Progress(int activityId, string activity, string status, int percent, bool completed)
        {
        }
    }
}

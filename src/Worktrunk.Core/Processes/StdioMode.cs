namespace Worktrunk.Processes
{
    /// <summary>What a spawned child's standard stream is connected to.</summary>
    internal enum StdioMode
    {
        /// <summary>/dev/null (the default for stdin when no bytes or descriptor are given: a child never waits for input).</summary>
        Null,

        /// <summary>The caller's own stream (a console, for commands that stream live).</summary>
        Inherit,

        /// <summary>A pipe read by the runner.</summary>
        Pipe,

        /// <summary>Appended to <see cref="SpawnOptions.LogFile"/>.</summary>
        LogFile,
    }
}

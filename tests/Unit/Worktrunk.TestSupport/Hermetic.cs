using System;
using System.Collections.Generic;

namespace Worktrunk.TestSupport
{
    /// <summary>
    /// Makes every git the test process runs (directly, or through the module under test, which
    /// inherits this process's environment) hermetic: system and global config shut out, a fixed
    /// identity and dates, the C locale, no prompts.
    /// </summary>
    public static class Hermetic
    {
        private static readonly object s_lock = new object();
        private static bool s_applied;

        public static IReadOnlyDictionary<string, string> Variables { get; } = new Dictionary<string, string>
        {
            ["GIT_CONFIG_NOSYSTEM"] = "1",
            ["GIT_CONFIG_GLOBAL"] = "/dev/null",
            ["GIT_AUTHOR_NAME"] = "Worktrunk Test",
            ["GIT_AUTHOR_EMAIL"] = "test@worktrunk.invalid",
            ["GIT_COMMITTER_NAME"] = "Worktrunk Test",
            ["GIT_COMMITTER_EMAIL"] = "test@worktrunk.invalid",
            ["GIT_AUTHOR_DATE"] = "2026-01-01T00:00:00Z",
            ["GIT_COMMITTER_DATE"] = "2026-01-01T00:00:00Z",
            ["GIT_TERMINAL_PROMPT"] = "0",
            ["LC_ALL"] = "C",
        };

        /// <summary>Applies the variables to this process once; idempotent and thread-safe.</summary>
        public static void Apply()
        {
            lock (s_lock)
            {
                if (s_applied)
                {
                    return;
                }

                foreach (var kv in Variables)
                {
                    Environment.SetEnvironmentVariable(kv.Key, kv.Value);
                }

                foreach (var name in new[] { "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR" })
                {
                    Environment.SetEnvironmentVariable(name, null);
                }

                s_applied = true;
            }
        }
    }
}

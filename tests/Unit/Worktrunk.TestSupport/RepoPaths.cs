using System;
using System.IO;

namespace Worktrunk.TestSupport
{
    /// <summary>Locations inside this checkout that tests need.</summary>
    public static class RepoPaths
    {
        private static readonly Lazy<string> s_root = new Lazy<string>(() =>
        {
            for (var dir = AppContext.BaseDirectory; dir != null; dir = Path.GetDirectoryName(dir))
            {
                if (File.Exists(Path.Combine(dir, "Worktrunk.sln")))
                {
                    return dir;
                }
            }

            throw new InvalidOperationException("Cannot find the repository root (Worktrunk.sln) above " + AppContext.BaseDirectory);
        });

        public static string Root => s_root.Value;

        /// <summary>The laid-out module folder that `dotnet build` assembles.</summary>
        public static string ModuleDir => Path.Combine(Root, "artifacts", "module", "Worktrunk");

        public static string ModuleManifest => Path.Combine(ModuleDir, "Worktrunk.psd1");

        /// <summary>The build configuration folder of the running tests (artifacts/bin/&lt;project&gt;/&lt;config&gt;/).</summary>
        public static string Configuration => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Name;

        /// <summary>The Worktrunk.Shell console host built in the same configuration.</summary>
        public static string ShellExecutable => Path.Combine(Root, "artifacts", "bin", "Worktrunk.Shell", Configuration, "Worktrunk.Shell");
    }
}

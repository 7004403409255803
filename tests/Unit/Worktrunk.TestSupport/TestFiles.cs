using System;
using System.IO;

namespace Worktrunk.TestSupport
{
    public static class TestFiles
    {
        /// <summary>Deletes a test directory tree, restoring permissions a test may have removed; never throws.</summary>
        public static void DeleteTree(string path)
        {
            try
            {
                if (!Directory.Exists(path))
                {
                    return;
                }

                foreach (var dir in Directory.GetDirectories(path, "*", SearchOption.AllDirectories))
                {
                    try
                    {
                        File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                    }
                    catch (Exception)
                    {
                    }
                }

                Directory.Delete(path, true);
            }
            catch (Exception)
            {
            }
        }
    }
}

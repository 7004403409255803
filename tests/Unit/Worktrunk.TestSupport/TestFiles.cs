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

                // A background `rm -rf` a removal started may still be deleting inside the trash: the
                // recursive delete then meets entries vanishing under it (or a folder not yet empty)
                // and throws. Try again, briefly, so no skeleton of the tree is left behind.
                for (var attempt = 0; ; attempt++)
                {
                    try
                    {
                        Directory.Delete(path, true);
                        return;
                    }
                    catch (Exception) when (attempt < 20 && Directory.Exists(path))
                    {
                        System.Threading.Thread.Sleep(50);
                    }
                }
            }
            catch (Exception)
            {
            }
        }
    }
}

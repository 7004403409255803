using System;

namespace Worktrunk.Daemons
{
    /// <summary>The shapes of socket path git's fsmonitor daemon listens on.</summary>
    internal static class FsmonitorSocket
    {
        /// <summary>The file name of the default socket, `&lt;git-dir&gt;/fsmonitor--daemon.ipc`.</summary>
        internal const string FileName = "fsmonitor--daemon.ipc";

        /// <summary>The prefix of a socket outside the git dir: `~/.git-fsmonitor-&lt;sha1&gt;` or `&lt;fsmonitor.socketDir&gt;/.git-fsmonitor-&lt;sha1&gt;`.</summary>
        internal const string RemotePrefix = ".git-fsmonitor-";

        /// <summary>The final path component ('/' separated; a bare name is its own file name).</summary>
        internal static string NameOf(string path)
        {
            var slash = path.LastIndexOf('/');
            return slash < 0 ? path : path.Substring(slash + 1);
        }

        /// <summary>True for a socket in a git dir, the bare name, or a socketDir/home socket.</summary>
        internal static bool IsFsmonitorSocket(string path)
        {
            var name = NameOf(path);
            return string.Equals(name, FileName, StringComparison.Ordinal) || IsRemoteName(name);
        }

        /// <summary>True for `.git-fsmonitor-` followed by 40 (SHA-1) or 64 (SHA-256) hex digits.</summary>
        internal static bool IsRemoteName(string name)
        {
            if (!name.StartsWith(RemotePrefix, StringComparison.Ordinal))
            {
                return false;
            }

            var hex = name.Length - RemotePrefix.Length;
            if (hex != 40 && hex != 64)
            {
                return false;
            }

            for (var i = RemotePrefix.Length; i < name.Length; i++)
            {
                var c = name[i];
                if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>True when lsof printed only the file name (macOS does so once the socket's directory is deleted).</summary>
        internal static bool IsBareName(string path) => string.Equals(path, FileName, StringComparison.Ordinal);
    }
}

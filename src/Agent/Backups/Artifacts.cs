using System.Globalization;
using System.Runtime.InteropServices;
using Ledger.Contracts.Backups;

namespace Ledger.Agent.Backups;

/// <summary>
/// Where artifacts live in the repository, and the sidecar that marks one complete:
/// <c>&lt;env&gt;/&lt;db&gt;/&lt;db&gt;-&lt;UTC yyyyMMdd-HHmmss&gt;-&lt;backup id&gt;.dump</c> plus <c>.json</c> beside it.
/// In-progress files are hidden (<c>.name.partial</c>) and never carry the final name.
/// </summary>
public static class Artifacts
{
    public const string PartialSuffix = ".partial";

    public static string DirectoryFor(string repository, string environment, string database) =>
        Path.Combine(repository, environment, database);

    public static string FileNameFor(string database, DateTimeOffset startedAt, Guid backupId) =>
        $"{database}-{startedAt.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}-{backupId}.dump";

    public static string PartialPathFor(string finalPath) =>
        Path.Combine(Path.GetDirectoryName(finalPath)!, "." + Path.GetFileName(finalPath) + PartialSuffix);

    public static string SidecarPathFor(string artifactPath) => Path.ChangeExtension(artifactPath, ".json");

    /// <summary>Directories of the repository: the agent's user only (a dump is the whole database).</summary>
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Artifacts and sidecars: read and write for the agent's user only.</summary>
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Creates <paramref name="directory"/> and every level between it and <paramref name="repository"/> with
    /// <see cref="DirectoryMode"/>, and tightens levels that already exist with wider modes; a shared sticky directory such
    /// as /tmp is refused (<see cref="InvalidOperationException"/>), never tightened.
    /// </summary>
    public static void EnsureDirectory(string repository, string directory)
    {
        var root = Path.GetFullPath(repository);
        var levels = new Stack<string>();
        for (var at = Path.GetFullPath(directory); at.Length >= root.Length; at = Path.GetDirectoryName(at)!)
        {
            levels.Push(at);
            if (at == root)
            {
                break;
            }
        }

        foreach (var level in levels)
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(level);
            }
            else if (!Directory.Exists(level))
            {
                Directory.CreateDirectory(level, DirectoryMode);
            }
            else if (File.GetUnixFileMode(level) is var mode && mode != DirectoryMode)
            {
                // A sticky directory (/tmp, /var/tmp) is shared by every user of the host: tightening it would lock them
                // (and the PostgreSQL server) out. The agent's directories go inside it instead.
                if (mode.HasFlag(UnixFileMode.StickyBit))
                {
                    throw new InvalidOperationException(
                        $"{level} is a shared directory (sticky, mode {Convert.ToString((int)mode, 8)}); the agent will not make it its own: configure a directory inside it.");
                }

                File.SetUnixFileMode(level, DirectoryMode);
            }
        }
    }

    /// <summary>A new file that only the agent's user can read, failing if it exists.</summary>
    public static FileStream CreateFile(string path, int bufferSize = 4096)
    {
        var options = new FileStreamOptions
        {
            Mode = System.IO.FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = bufferSize,
            Options = FileOptions.Asynchronous,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = FileMode;
        }

        return new FileStream(path, options);
    }

    /// <summary>
    /// Renames <paramref name="from"/> to <paramref name="to"/> and fsyncs their directory, so the new name survives a
    /// power loss as well as the bytes it points to.
    /// </summary>
    public static void MoveDurably(string from, string to, bool overwrite = false)
    {
        File.Move(from, to, overwrite);
        SyncDirectory(Path.GetDirectoryName(to)!);
    }

    private static void SyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var fd = Open(directory, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            throw new IOException($"cannot open {directory} to sync it (errno {Marshal.GetLastPInvokeError()})");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync of {directory} failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);

    /// <summary>The backup recorded in a local artifact's manifest (either format), or null when it has none.</summary>
    public static BackupTaken? ReadSidecar(string artifactPath) =>
        File.Exists(SidecarPathFor(artifactPath)) ? Repositories.Manifests.Parse(File.ReadAllBytes(SidecarPathFor(artifactPath)))?.Taken : null;

    public static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }
}

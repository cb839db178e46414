using System.Runtime.InteropServices;

namespace Ledger.Agent.Backups;

/// <summary>
/// Lets a verification read what the disk holds rather than what the kernel still caches from the write: the file is
/// synced (fsync), then its cached pages are dropped (<c>posix_fadvise(POSIX_FADV_DONTNEED)</c>), so the next read of
/// it comes from the device. Linux and other POSIX systems; a no-op where the call is missing (the read is then still a
/// fresh open of the stored file, never the writer's in-memory hash).
/// </summary>
public static class PageCache
{
    private const int PosixFadvDontNeed = 4; // Linux's value (include/uapi/linux/fadvise.h)

    /// <summary>Drops <paramref name="path"/>'s cached pages; false when the system could not (nothing else changes).</summary>
    public static bool Drop(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        var fd = Open(path, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            return false;
        }

        try
        {
            // Dirty pages are not dropped: write them first.
            return Fsync(fd) == 0 && Fadvise(fd, 0, 0, PosixFadvDontNeed) == 0;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
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

    [DllImport("libc", EntryPoint = "posix_fadvise")]
    private static extern int Fadvise(int fd, long offset, long length, int advice);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}

using System.Diagnostics;

namespace Ledger.FaultTests;

/// <summary>
/// A small tmpfs mounted by a test over a directory (this suite runs as root: <c>mount -t tmpfs -o size=4m,mode=0700</c>),
/// to give the agent a filesystem that fills up for real (ENOSPC from the kernel, not a fake stream). Unmounted on dispose.
/// </summary>
public sealed class TmpfsMount : IAsyncDisposable
{
    private TmpfsMount(string directory) => Directory = directory;

    public string Directory { get; }

    /// <summary>Mounts a tmpfs of <paramref name="size"/> (e.g. "4m") over <paramref name="directory"/> (created if missing).</summary>
    /// <exception cref="InvalidOperationException">mount refused (not root, no CAP_SYS_ADMIN): the message says why.</exception>
    public static async Task<TmpfsMount> MountAsync(string directory, string size)
    {
        System.IO.Directory.CreateDirectory(directory);
        var (code, text) = await RunAsync("mount", "-t", "tmpfs", "-o", $"size={size},mode=0700", "tmpfs", directory);
        return code == 0
            ? new TmpfsMount(directory)
            : throw new InvalidOperationException($"mount -t tmpfs over {directory} was refused (exit {code}): {text}. The full-filesystem faults need root (or CAP_SYS_ADMIN).");
    }

    /// <summary>Gives the filesystem a new size (space freed, as an operator who grew the volume).</summary>
    public async Task ResizeAsync(string size)
    {
        var (code, text) = await RunAsync("mount", "-o", $"remount,size={size}", Directory);
        Assert.True(code == 0, $"remount of {Directory} failed: {text}");
    }

    /// <summary>Bytes in use on the filesystem (statvfs, as df shows them).</summary>
    public long UsedBytes()
    {
        var drive = new DriveInfo(Directory);
        return drive.TotalSize - drive.TotalFreeSpace;
    }

    public long TotalBytes() => new DriveInfo(Directory).TotalSize;

    public async ValueTask DisposeAsync()
    {
        var (code, _) = await RunAsync("umount", Directory);
        if (code != 0)
        {
            // a process still has a file open there: detach it now, it goes when the last one closes
            await RunAsync("umount", "-l", Directory);
        }

        if (System.IO.Directory.Exists(Directory) && !System.IO.Directory.EnumerateFileSystemEntries(Directory).Any())
        {
            System.IO.Directory.Delete(Directory);
        }
    }

    private static async Task<(int Code, string Text)> RunAsync(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments)
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
        })!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, ((await stderr) + (await stdout)).Trim());
    }
}

using System.Diagnostics;
using System.Globalization;

namespace DgLedger.Bench.Infrastructure;

/// <summary>
/// A DgLedger binary (the ledger or the agent) run as its own process, as in production, so that its memory is its
/// own: output goes to a log file, and disposing it stops the process tree it started (and only that).
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Task _pumps;

    private ChildProcess(string name, Process process, StreamWriter log, Task pumps) =>
        (Name, _process, _log, _pumps) = (name, process, log, pumps);

    public string Name { get; }
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public string LogPath { get; private init; } = "";

    /// <summary>Starts <c>dotnet <paramref name="dll"/> <paramref name="args"/></c> with <paramref name="environment"/> added.</summary>
    public static ChildProcess StartDotnet(string name, string dll, IReadOnlyList<string> args,
        IReadOnlyDictionary<string, string> environment, string logPath)
    {
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} does not exist: build in Release first (bench/run does).", dll);
        }

        var psi = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        psi.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment["DOTNET_ENVIRONMENT"] = "Production";
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment)
        {
            psi.Environment[key] = value;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        var log = new StreamWriter(logPath, append: false) { AutoFlush = true };
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {name}.");
        var pumps = Task.WhenAll(PumpAsync(process.StandardOutput, log), PumpAsync(process.StandardError, log));
        return new ChildProcess(name, process, log, pumps) { LogPath = logPath };
    }

    private static async Task PumpAsync(StreamReader source, StreamWriter log)
    {
        while (await source.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            lock (log)
            {
                log.WriteLine(line);
            }
        }
    }

    /// <summary>The last lines of the process's log, for error messages.</summary>
    public string LogTail(int lines = 15)
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            return string.Join(Environment.NewLine, reader.ReadToEnd().Split('\n').TakeLast(lines));
        }
        catch (IOException)
        {
            return "(log unreadable)";
        }
    }

    /// <summary>Resets the kernel's peak-RSS mark (VmHWM) of this process (Linux: <c>echo 5 &gt; /proc/PID/clear_refs</c>).</summary>
    public bool ResetPeakMemory()
    {
        try
        {
            File.WriteAllText($"/proc/{Id}/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Peak resident set size since start or the last <see cref="ResetPeakMemory"/>, in bytes (VmHWM).</summary>
    public long PeakMemoryBytes() => StatusKilobytes("VmHWM:") * 1024;

    /// <summary>Resident set size now, in bytes (VmRSS).</summary>
    public long MemoryBytes() => StatusKilobytes("VmRSS:") * 1024;

    private long StatusKilobytes(string key)
    {
        foreach (var line in File.ReadLines($"/proc/{Id}/status"))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                var digits = new string(line[key.Length..].Where(char.IsAsciiDigit).ToArray());
                return long.Parse(digits, CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15)).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            // already gone, or refusing to die: nothing more a dispose can do
        }

        await _pumps.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        await _log.DisposeAsync().ConfigureAwait(false);
        _process.Dispose();
    }
}

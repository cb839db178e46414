using System.Diagnostics;
using System.Globalization;
using System.Text;
using Npgsql;

namespace Ledger.Postgres;

/// <summary>
/// Runs PostgreSQL programs: stdout streamed to a caller's stream (raw bytes) or captured up to a bound, stderr's
/// tail always kept, cancellation that kills the whole process tree, and the password handed over in a temporary
/// 0600 passfile rather than on the command line. Everything in DgLedger that runs pg_dump, pg_restore or psql goes
/// through here.
/// </summary>
public sealed class PgProcessRunner
{
    public const int DefaultStdoutCaptureLimit = 8 * 1024 * 1024;
    public const int DefaultStderrTailBytes = 16 * 1024;
    internal const int CopyBufferSize = 1024 * 1024;

    /// <param name="stdoutCaptureLimit">How many bytes of stdout are kept as text when no stream is given.</param>
    /// <param name="stderrTailBytes">How many bytes of the end of stderr are kept.</param>
    public PgProcessRunner(int stdoutCaptureLimit = DefaultStdoutCaptureLimit, int stderrTailBytes = DefaultStderrTailBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(stdoutCaptureLimit);
        ArgumentOutOfRangeException.ThrowIfLessThan(stderrTailBytes, 1);
        StdoutCaptureLimit = stdoutCaptureLimit;
        StderrTailBytes = stderrTailBytes;
    }

    /// <summary>A runner with the default bounds.</summary>
    public static PgProcessRunner Default { get; } = new();

    public int StdoutCaptureLimit { get; }
    public int StderrTailBytes { get; }

    /// <summary>
    /// Where passfiles are written; the system's temporary directory when null. An agent gives its own 0700 directory,
    /// so that it can remove every passfile a killed incarnation left behind.
    /// </summary>
    public string? PassfileDirectory { get; init; }

    /// <summary>
    /// When true (Linux, with util-linux's <c>setpriv</c>), every program is started under
    /// <c>setpriv --pdeathsig KILL</c>, from a thread that lives as long as the process: the kernel kills the program
    /// when the process that started it dies, so no pg_restore or pg_dump outlives a killed agent.
    /// </summary>
    public bool DieWithParent { get; init; }

    /// <summary>Where setpriv is, when <see cref="DieWithParent"/> can be honoured here.</summary>
    public static string? SetprivPath { get; } =
        OperatingSystem.IsLinux() ? new[] { "/usr/bin/setpriv", "/bin/setpriv" }.FirstOrDefault(File.Exists) : null;

    /// <summary>
    /// Runs the command to completion. A non-zero exit is a result, not an exception (see
    /// <see cref="PgProcessResult.EnsureSuccess"/>). On cancellation the process tree is killed, and
    /// <see cref="OperationCanceledException"/> is thrown once the process is gone.
    /// </summary>
    /// <param name="stdout">When given, stdout's bytes are copied to it unchanged and <see cref="PgProcessResult.StdoutText"/> is null.</param>
    /// <exception cref="ArgumentException">An argument carries a password (pass it through <see cref="PgCommand.ConnectionString"/>).</exception>
    /// <exception cref="PgToolsNotFoundException">The executable does not exist or cannot be started.</exception>
    public async Task<PgProcessResult> RunAsync(PgCommand command, Stream? stdout = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        ct.ThrowIfCancellationRequested();

        var describe = command.Describe();
        var psi = new ProcessStartInfo(command.Executable)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = command.WorkingDirectory ?? "",
        };

        string? passfile = null;
        try
        {
            if (command.ConnectionString is not null)
            {
                var builder = PgConnectionStrings.Parse(command.ConnectionString);
                foreach (var argument in command.Arguments)
                {
                    if (PgCommand.CarriesConnectionPassword(argument, builder.Password))
                    {
                        throw new ArgumentException(
                            $"An argument of `{describe}` carries a password; pass the connection through PgCommand.ConnectionString instead.",
                            nameof(command));
                    }
                }

                passfile = ApplyConnection(psi.Environment, builder, PassfileDirectory);
            }
            else if (command.Arguments.Any(a => PgCommand.CarriesConnectionPassword(a, null)))
            {
                throw new ArgumentException(
                    $"An argument of `{describe}` carries a password; pass the connection through PgCommand.ConnectionString instead.",
                    nameof(command));
            }

            if (DieWithParent && SetprivPath is { } setpriv)
            {
                psi.FileName = setpriv;
                foreach (var argument in (string[])["--pdeathsig", "KILL", "--", command.Executable])
                {
                    psi.ArgumentList.Add(argument);
                }
            }

            foreach (var argument in command.Arguments)
            {
                psi.ArgumentList.Add(argument);
            }

            if (command.Environment is not null)
            {
                foreach (var (key, value) in command.Environment)
                {
                    psi.Environment[key] = value;
                }
            }

            return await RunProcessAsync(psi, command.StandardInput, stdout, describe, ct).ConfigureAwait(false);
        }
        finally
        {
            if (passfile is not null)
            {
                TryDelete(passfile);
            }
        }
    }

    private async Task<PgProcessResult> RunProcessAsync(
        ProcessStartInfo psi, Stream? stdin, Stream? stdout, string describe, CancellationToken ct)
    {
        using var process = new Process { StartInfo = psi };
        var clock = Stopwatch.StartNew();
        try
        {
            if (DieWithParent && SetprivPath is not null)
            {
                // The parent-death signal follows the thread that forked, not the process: fork from one that never exits.
                await Spawner.StartAsync(process).ConfigureAwait(false);
            }
            else
            {
                process.Start();
            }
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            if (psi.WorkingDirectory.Length > 0 && !Directory.Exists(psi.WorkingDirectory))
            {
                throw new InvalidOperationException($"Could not start `{describe}`: its working directory {psi.WorkingDirectory} does not exist.", e);
            }

            var program = Path.GetFileName(psi.FileName);
            var hint = program.StartsWith("pg_", StringComparison.Ordinal) || program is "psql" or "initdb"
                ? $"; {PgToolPaths.ClientInstallHint}"
                : "";
            throw new PgToolsNotFoundException($"Could not start {program} ({psi.FileName}): {e.Message}{hint}.", e);
        }

        var stderrTail = new TailBuffer(StderrTailBytes);
        var stderrPump = PumpTailAsync(process.StandardError.BaseStream, stderrTail);
        var captured = stdout is null ? new CaptureBuffer(StdoutCaptureLimit) : null;
        var stdoutPump = stdout is not null
            ? process.StandardOutput.BaseStream.CopyToAsync(stdout, CopyBufferSize, CancellationToken.None)
            : PumpCaptureAsync(process.StandardOutput.BaseStream, captured!);
        var stdinPump = FeedStdinAsync(process.StandardInput.BaseStream, stdin);

        var killedForCancellation = false;
        await using (ct.Register(() =>
                     {
                         killedForCancellation = true;
                         TryKillTree(process);
                     }).ConfigureAwait(false))
        {
            // A failing destination stream (disk full, closed upload) must not leave the child blocked on a full pipe.
            _ = stdoutPump.ContinueWith(
                _ => TryKillTree(process),
                CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);

            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);

            // The pipes close when the last process holding them exits. After a kill, a descendant that escaped the tree
            // could keep them open: give it a moment, not forever. Otherwise wait for all output, unless cancelled.
            var drained = Task.WhenAll(stdoutPump, stderrPump, stdinPump);
            if (killedForCancellation || stdoutPump.IsFaulted)
            {
                await Task.WhenAny(drained, Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None)).ConfigureAwait(false);
            }
            else
            {
                try
                {
                    await drained.WaitAsync(ct).ConfigureAwait(false);
                }
                catch (Exception) when (ct.IsCancellationRequested || drained.IsFaulted)
                {
                    // cancelled while a left-over descendant held the pipes, or a pump failed: both handled below
                }
            }
        }

        clock.Stop();
        if (stdoutPump.IsFaulted)
        {
            var failure = stdoutPump.Exception!.GetBaseException();
            throw new IOException($"Writing the output of `{describe}` failed: {failure.Message}", failure);
        }

        if (killedForCancellation || ct.IsCancellationRequested)
        {
            throw new OperationCanceledException($"`{describe}` was cancelled and its process tree killed.", ct);
        }

        return new PgProcessResult(process.ExitCode, stderrTail.ToText(), captured?.ToText(), clock.Elapsed)
        {
            CommandLine = describe,
            StdoutTruncated = captured?.Truncated ?? false,
            StderrTruncated = stderrTail.Truncated,
        };
    }

    private static async Task FeedStdinAsync(Stream childStdin, Stream? source)
    {
        try
        {
            if (source is not null)
            {
                await source.CopyToAsync(childStdin, CopyBufferSize, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (IOException)
        {
            // The child stopped reading (exited or closed stdin); its exit code tells what happened.
        }
        finally
        {
            try
            {
                await childStdin.DisposeAsync().ConfigureAwait(false);
            }
            catch (IOException)
            {
                // broken pipe on close: same as above
            }
        }
    }

    private static async Task PumpTailAsync(Stream source, TailBuffer tail)
    {
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await source.ReadAsync(buffer, CancellationToken.None).ConfigureAwait(false)) > 0)
        {
            tail.Append(buffer.AsSpan(0, read));
        }
    }

    private static async Task PumpCaptureAsync(Stream source, CaptureBuffer capture)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await source.ReadAsync(buffer, CancellationToken.None).ConfigureAwait(false)) > 0)
        {
            capture.Append(buffer.AsSpan(0, read));
        }
    }

    private static void TryKillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            // already exited, or already disposed
        }
    }

    /// <summary>
    /// Replaces inherited PG* variables with the ones that describe <paramref name="builder"/>, and writes the password
    /// (if any) to a fresh 0600 passfile. Returns the passfile's path, or null.
    /// </summary>
    internal static string? ApplyConnection(IDictionary<string, string?> environment, NpgsqlConnectionStringBuilder builder,
        string? passfileDirectory = null)
    {
        foreach (var key in environment.Keys.Where(k => k.StartsWith("PG", StringComparison.Ordinal)).ToList())
        {
            environment.Remove(key);
        }

        var endpoints = PgConnectionStrings.Endpoints(builder);
        if (endpoints.Count > 0)
        {
            environment["PGHOST"] = string.Join(',', endpoints.Select(e => e.Host));
            environment["PGPORT"] = string.Join(',', endpoints.Select(e => e.Port.ToString(CultureInfo.InvariantCulture)));
        }
        else
        {
            environment["PGPORT"] = builder.Port.ToString(CultureInfo.InvariantCulture);
        }

        SetIfPresent(environment, "PGUSER", builder.Username);
        SetIfPresent(environment, "PGDATABASE", builder.Database);
        SetIfPresent(environment, "PGAPPNAME", builder.ApplicationName);
        SetIfPresent(environment, "PGOPTIONS", builder.Options);
        SetIfPresent(environment, "PGSSLROOTCERT", builder.RootCertificate);
        SetIfPresent(environment, "PGSSLCERT", builder.SslCertificate);
        SetIfPresent(environment, "PGSSLKEY", builder.SslKey);
        SetIfPresent(environment, "PGCLIENTENCODING", builder.ClientEncoding);
        environment["PGSSLMODE"] = PgConnectionStrings.LibpqSslMode(builder.SslMode);
        if (builder.Timeout > 0)
        {
            environment["PGCONNECT_TIMEOUT"] = builder.Timeout.ToString(CultureInfo.InvariantCulture);
        }

        if (builder.ContainsKey("Target Session Attributes") && builder.TargetSessionAttributes is { Length: > 0 } attributes)
        {
            // Npgsql already uses libpq's spellings, except for one libpq does not have.
            environment["PGTARGETSESSIONATTRS"] = attributes.Equals("prefer-primary", StringComparison.OrdinalIgnoreCase) ? "any" : attributes;
        }

        if (string.IsNullOrEmpty(builder.Password))
        {
            SetIfPresent(environment, "PGPASSFILE", builder.Passfile);
            return null;
        }

        var path = Path.Combine(passfileDirectory ?? Path.GetTempPath(), $"dgledger-{Guid.NewGuid():N}.pgpass");
        WritePassfile(path, builder.Username, builder.Password);
        environment["PGPASSFILE"] = path;
        return path;
    }

    /// <summary>One line, <c>*:*:*:user:password</c>, created with mode 0600 so libpq accepts it.</summary>
    internal static void WritePassfile(string path, string? username, string password)
    {
        if (password.Contains('\n', StringComparison.Ordinal) || password.Contains('\r', StringComparison.Ordinal))
        {
            throw new ArgumentException("A password containing a line break cannot be passed to libpq through a passfile.");
        }

        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var writer = new StreamWriter(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), options);
        var user = string.IsNullOrEmpty(username) ? "*" : EscapePassfileField(username);
        writer.Write($"*:*:*:{user}:{EscapePassfileField(password)}\n");
    }

    /// <summary>libpq's passfile escaping: a backslash before every ':' and '\'.</summary>
    internal static string EscapePassfileField(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace(":", "\\:", StringComparison.Ordinal);

    private static void SetIfPresent(IDictionary<string, string?> environment, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            environment[key] = value;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // best effort; the file is 0600 in the temp directory
        }
        catch (UnauthorizedAccessException)
        {
            // same
        }
    }

    /// <summary>One long-lived thread that starts processes, so that their parent-death signal never fires early.</summary>
    private static class Spawner
    {
        private static readonly System.Collections.Concurrent.BlockingCollection<(Process Process, TaskCompletionSource Started)> Queue = new();

        static Spawner()
        {
            var thread = new Thread(() =>
            {
                foreach (var (process, started) in Queue.GetConsumingEnumerable())
                {
                    try
                    {
                        process.Start();
                        started.SetResult();
                    }
                    catch (Exception e)
                    {
                        started.SetException(e);
                    }
                }
            })
            {
                IsBackground = true,
                Name = "dgledger-spawner",
            };
            thread.Start();
        }

        public static Task StartAsync(Process process)
        {
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Queue.Add((process, started));
            return started.Task;
        }
    }

    /// <summary>Keeps the last <c>capacity</c> bytes written to it.</summary>
    internal sealed class TailBuffer(int capacity)
    {
        private readonly byte[] _ring = new byte[capacity];
        private long _total;

        public bool Truncated => _total > capacity;

        public void Append(ReadOnlySpan<byte> bytes)
        {
            if (bytes.Length > capacity)
            {
                _total += bytes.Length - capacity;
                bytes = bytes[^capacity..];
            }

            var start = (int)(_total % capacity);
            var first = Math.Min(bytes.Length, capacity - start);
            bytes[..first].CopyTo(_ring.AsSpan(start));
            bytes[first..].CopyTo(_ring);
            _total += bytes.Length;
        }

        public byte[] ToArray()
        {
            if (_total <= capacity)
            {
                return _ring.AsSpan(0, (int)_total).ToArray();
            }

            var start = (int)(_total % capacity);
            var result = new byte[capacity];
            _ring.AsSpan(start).CopyTo(result);
            _ring.AsSpan(0, start).CopyTo(result.AsSpan(capacity - start));
            return result;
        }

        public string ToText()
        {
            var bytes = ToArray().AsSpan();
            if (Truncated)
            {
                // The cut may have split a UTF-8 sequence: skip continuation bytes at the start.
                var skip = 0;
                while (skip < bytes.Length && skip < 3 && (bytes[skip] & 0xC0) == 0x80)
                {
                    skip++;
                }

                bytes = bytes[skip..];
            }

            return Encoding.UTF8.GetString(bytes);
        }
    }

    /// <summary>Keeps the first <c>limit</c> bytes written to it and counts the rest.</summary>
    internal sealed class CaptureBuffer(int limit)
    {
        private readonly MemoryStream _kept = new();

        public bool Truncated { get; private set; }

        public void Append(ReadOnlySpan<byte> bytes)
        {
            var room = limit - (int)_kept.Length;
            if (bytes.Length > room)
            {
                Truncated = true;
                bytes = bytes[..Math.Max(room, 0)];
            }

            _kept.Write(bytes);
        }

        public string ToText() => Encoding.UTF8.GetString(_kept.GetBuffer(), 0, (int)_kept.Length);
    }
}

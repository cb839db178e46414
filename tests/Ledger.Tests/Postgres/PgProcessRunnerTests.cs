using System.Diagnostics;
using System.Globalization;
using System.Text;
using Ledger.Postgres;

namespace Ledger.Tests.Postgres;

/// <summary>The runner against small /bin/sh scripts: no PostgreSQL needed.</summary>
public sealed class when_running_a_program : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dgledger-runner-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static PgCommand Sh(string script, params string[] args) => new("/bin/sh", ["-c", script, "sh", .. args]);

    [Fact]
    public async Task it_streams_stdout_bytes_to_the_given_stream_unchanged()
    {
        var payload = new byte[3 * 1024 * 1024 + 17];
        new Random(42).NextBytes(payload);
        var file = Path.Combine(_dir, "payload.bin");
        await File.WriteAllBytesAsync(file, payload);
        using var sink = new MemoryStream();

        var result = await PgProcessRunner.Default.RunAsync(Sh("cat \"$1\"", file), sink);

        Assert.True(result.Succeeded);
        Assert.Null(result.StdoutText);
        Assert.Equal(payload, sink.ToArray());
    }

    [Fact]
    public async Task it_captures_stdout_as_text_when_no_stream_is_given()
    {
        var result = await PgProcessRunner.Default.RunAsync(Sh("printf 'hello\\nwörld'"));

        Assert.Equal("hello\nwörld", result.StdoutText);
        Assert.False(result.StdoutTruncated);
    }

    [Fact]
    public async Task it_keeps_only_the_bound_of_captured_stdout()
    {
        var runner = new PgProcessRunner(stdoutCaptureLimit: 10);

        var result = await runner.RunAsync(Sh("printf 0123456789abcdef"));

        Assert.Equal("0123456789", result.StdoutText);
        Assert.True(result.StdoutTruncated);
    }

    [Fact]
    public async Task it_keeps_only_the_tail_of_stderr()
    {
        var script = "echo THE-START >&2; i=0; while [ $i -lt 2000 ]; do echo \"line $i of filler text for stderr\" >&2; i=$((i+1)); done; echo THE-END >&2";

        var result = await PgProcessRunner.Default.RunAsync(Sh(script));

        Assert.True(result.StderrTruncated);
        Assert.True(Encoding.UTF8.GetByteCount(result.StderrTail) <= PgProcessRunner.DefaultStderrTailBytes);
        Assert.True(Encoding.UTF8.GetByteCount(result.StderrTail) > PgProcessRunner.DefaultStderrTailBytes - 100);
        Assert.EndsWith("line 1999 of filler text for stderr\nTHE-END\n", result.StderrTail, StringComparison.Ordinal);
        Assert.DoesNotContain("THE-START", result.StderrTail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task it_reports_a_non_zero_exit_code_as_a_result_with_stderr()
    {
        var result = await PgProcessRunner.Default.RunAsync(Sh("echo 'pg_dump: error: connection failed' >&2; exit 3"));

        Assert.Equal(3, result.ExitCode);
        Assert.False(result.Succeeded);
        var error = Assert.Throws<PgProcessFailedException>(() => result.EnsureSuccess());
        Assert.Contains("exited with code 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("pg_dump: error: connection failed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task it_passes_arguments_verbatim_without_a_shell()
    {
        string[] arguments = ["a b", "it's", "$HOME", "; rm -rf /", "*", ""];

        var result = await PgProcessRunner.Default.RunAsync(new PgCommand("/usr/bin/printf", ["[%s]\\n", .. arguments]));

        Assert.Equal(string.Concat(arguments.Select(a => $"[{a}]\n")), result.StdoutText);
    }

    [Fact]
    public async Task it_feeds_the_given_stream_to_stdin()
    {
        using var input = new MemoryStream(Encoding.UTF8.GetBytes("archive bytes"));

        var result = await PgProcessRunner.Default.RunAsync(new PgCommand("/bin/cat", []) { StandardInput = input });

        Assert.Equal("archive bytes", result.StdoutText);
    }

    [Fact]
    public async Task it_closes_stdin_when_none_is_given_so_readers_do_not_hang()
    {
        var result = await PgProcessRunner.Default.RunAsync(new PgCommand("/bin/cat", []));

        Assert.True(result.Succeeded);
        Assert.Equal("", result.StdoutText);
    }

    [Fact]
    public async Task it_measures_the_elapsed_time()
    {
        var result = await PgProcessRunner.Default.RunAsync(Sh("sleep 0.2"));

        Assert.InRange(result.Elapsed, TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task it_kills_the_program_and_throws_when_the_output_stream_fails()
    {
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<IOException>(
            () => PgProcessRunner.Default.RunAsync(new PgCommand("/usr/bin/yes", ["endless output"]), new FailingStream()));

        Assert.Contains("disk full", error.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task it_reports_a_missing_program_as_tools_not_found()
    {
        var error = await Assert.ThrowsAsync<PgToolsNotFoundException>(
            () => PgProcessRunner.Default.RunAsync(new PgCommand(Path.Combine(_dir, "pg_dump"), ["--version"])));

        Assert.Contains("pg_dump", error.Message, StringComparison.Ordinal);
    }
}

/// <summary>A destination that accepts one write, then fails like a full disk.</summary>
internal sealed class FailingStream : MemoryStream
{
    private int _writes;

    public override void Write(byte[] buffer, int offset, int count) => Fail(count);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Fail(count);
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Fail(buffer.Length);
        return ValueTask.CompletedTask;
    }

    private void Fail(int count)
    {
        if (++_writes > 1)
        {
            throw new IOException("disk full");
        }

        SetLength(Length + count);
    }
}

public sealed class when_a_running_program_is_cancelled : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dgledger-cancel-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task it_kills_the_process_tree_and_throws_once_the_process_is_gone()
    {
        var pids = Path.Combine(_dir, "pids");
        // sh starts a child shell which starts sleep: two levels below the runner.
        var script = "sh -c 'sleep 300 & echo $! >> \"$1\"; wait' inner \"$1\" & echo $! >> \"$1\"; echo $$ >> \"$1\"; wait";
        using var cts = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();

        var run = PgProcessRunner.Default.RunAsync(new PgCommand("/bin/sh", ["-c", script, "sh", pids]), ct: cts.Token);
        await WaitUntilAsync(() => File.Exists(pids) && File.ReadAllLines(pids).Length == 3);
        var started = File.ReadAllLines(pids).Select(l => int.Parse(l, CultureInfo.InvariantCulture)).ToList();
        Assert.All(started, pid => Assert.True(IsAlive(pid), $"pid {pid} should run before the cancellation"));

        await cts.CancelAsync();
        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        Assert.Equal(cts.Token, error.CancellationToken);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        await WaitUntilAsync(() => started.All(pid => !IsAlive(pid)), TimeSpan.FromSeconds(5));
        Assert.All(started, pid => Assert.False(IsAlive(pid), $"pid {pid} survived the cancellation"));
    }

    [Fact]
    public async Task it_stops_waiting_when_a_background_child_keeps_the_output_open_after_the_program_exited()
    {
        var pidFile = Path.Combine(_dir, "orphan");
        using var cts = new CancellationTokenSource();
        // The shell exits at once; its orphaned sleep inherited stdout and keeps the pipe open (like a daemon without -l).
        var run = PgProcessRunner.Default.RunAsync(
            new PgCommand("/bin/sh", ["-c", "sleep 300 & echo $! > \"$1\"", "sh", pidFile]), ct: cts.Token);
        await WaitUntilAsync(() => File.Exists(pidFile) && File.ReadAllText(pidFile).EndsWith('\n'));
        var orphan = int.Parse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture);
        try
        {
            await Task.Delay(300);
            Assert.False(run.IsCompleted, "the runner waits for the output to end");

            cts.CancelAfter(100);

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(10)));
        }
        finally
        {
            using var killer = Process.Start("/bin/kill", [orphan.ToString(CultureInfo.InvariantCulture)]);
            await killer.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task it_does_not_start_when_already_cancelled()
    {
        var marker = Path.Combine(_dir, "ran");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => PgProcessRunner.Default.RunAsync(
            new PgCommand("/bin/sh", ["-c", "touch \"$1\"", "sh", marker]), ct: new CancellationToken(canceled: true)));

        Assert.False(File.Exists(marker));
    }

    /// <summary>A zombie (killed, not yet reaped by whoever inherited it) counts as gone.</summary>
    private static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..][0];
            return state is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan? limit = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? TimeSpan.FromSeconds(10));
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
    }
}

public sealed class when_a_program_gets_a_connection_string : IDisposable
{
    private const string Password = @"pa:ss\wo@rd s3cret";
    private static readonly string Url =
        "postgresql://ledger:" + Uri.EscapeDataString(Password) + "@db.internal:6543/app?sslmode=require&application_name=dgledger";

    private readonly string _dir = Directory.CreateTempSubdirectory("dgledger-passfile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string Report = string.Join("; ",
        "echo \"file=$PGPASSFILE\"",
        "echo \"mode=$(stat -c %a \"$PGPASSFILE\")\"",
        "printf 'content='", "cat \"$PGPASSFILE\"",
        "echo \"host=$PGHOST port=$PGPORT user=$PGUSER db=$PGDATABASE sslmode=$PGSSLMODE app=$PGAPPNAME\"",
        "echo \"pgpassword=${PGPASSWORD-unset}\"",
        "echo \"args=$*\"");

    [Fact]
    public async Task it_hands_the_password_over_in_a_0600_passfile_with_libpq_escaping_and_deletes_it()
    {
        var command = new PgCommand("/bin/sh", ["-c", Report, "sh", "--format=custom", "--no-owner"]) { ConnectionString = Url };

        var result = await PgProcessRunner.Default.RunAsync(command);

        var lines = result.StdoutText!.Split('\n');
        var file = lines.Single(l => l.StartsWith("file=", StringComparison.Ordinal))["file=".Length..];
        Assert.Contains("mode=600", lines);
        Assert.Contains(@"content=*:*:*:ledger:pa\:ss\\wo@rd s3cret", lines);
        Assert.False(File.Exists(file), "the passfile must be deleted after the run");
    }

    [Fact]
    public async Task it_translates_the_connection_into_libpq_environment_variables()
    {
        var command = new PgCommand("/bin/sh", ["-c", Report, "sh"]) { ConnectionString = Url };

        var result = await PgProcessRunner.Default.RunAsync(command);

        Assert.Contains("host=db.internal port=6543 user=ledger db=app sslmode=require app=dgledger", result.StdoutText, StringComparison.Ordinal);
        Assert.Contains("pgpassword=unset", result.StdoutText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task it_never_puts_the_password_in_the_arguments_or_the_description()
    {
        var command = new PgCommand("/bin/sh", ["-c", Report, "sh", "--dbname=app"]) { ConnectionString = Url };

        var result = await PgProcessRunner.Default.RunAsync(command);

        var args = result.StdoutText!.Split('\n').Single(l => l.StartsWith("args=", StringComparison.Ordinal));
        Assert.Equal("args=--dbname=app", args);
        Assert.DoesNotContain("s3cret", command.Describe(), StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", result.CommandLine, StringComparison.Ordinal);
        Assert.StartsWith("sh -c ", command.Describe(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--dbname=postgresql://dg:hunter2@db/app")]
    [InlineData("host=db password=hunter2")]
    [InlineData("Host=db;Password=hunter2")]
    public async Task it_refuses_an_argument_that_carries_a_password(string argument)
    {
        var marker = Path.Combine(_dir, "ran");
        var command = new PgCommand("/bin/sh", ["-c", "touch \"$1\"", "sh", marker, argument]);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => PgProcessRunner.Default.RunAsync(command));

        Assert.Contains("PgCommand.ConnectionString", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task it_refuses_an_argument_that_repeats_the_connection_strings_password()
    {
        var command = new PgCommand("/bin/echo", ["--comment", Password]) { ConnectionString = Url };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => PgProcessRunner.Default.RunAsync(command));

        Assert.DoesNotContain("s3cret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void its_string_form_is_the_description_not_the_connection_string()
    {
        var command = new PgCommand("/usr/bin/pg_dump", ["--format=custom"]) { ConnectionString = Url };

        Assert.Equal("pg_dump --format=custom", command.ToString());
    }

    [Fact]
    public void its_description_hides_passwords_in_urls_key_value_pairs_and_sql()
    {
        var command = new PgCommand("/usr/lib/postgresql/15/bin/psql",
            ["--dbname=postgresql://dg:hunter2@db:5432/app", "-c", "ALTER ROLE dg PASSWORD 'hunter3'", "host=db password=hunter4 user=dg"]);

        var shown = command.Describe();

        Assert.StartsWith("psql ", shown, StringComparison.Ordinal);
        Assert.Contains("postgresql://dg@db:5432/app", shown, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter", shown, StringComparison.Ordinal);
    }

    [Fact]
    public void it_drops_inherited_pg_variables_so_only_the_given_connection_counts()
    {
        var environment = new Dictionary<string, string?>
        {
            ["PGPASSWORD"] = "inherited",
            ["PGSERVICE"] = "prod",
            ["PGHOST"] = "elsewhere",
            ["PATH"] = "/usr/bin",
        };

        var passfile = PgProcessRunner.ApplyConnection(environment, Ledger.Postgres.PgConnectionStrings.Parse("Host=db;Username=dg;Database=app"));

        Assert.Null(passfile);
        Assert.False(environment.ContainsKey("PGPASSWORD"));
        Assert.False(environment.ContainsKey("PGSERVICE"));
        Assert.Equal("db", environment["PGHOST"]);
        Assert.Equal("5432", environment["PGPORT"]);
        Assert.Equal("/usr/bin", environment["PATH"]);
    }

    [Fact]
    public void it_gives_libpq_every_host_and_port_of_a_multi_host_connection()
    {
        var environment = new Dictionary<string, string?>();

        PgProcessRunner.ApplyConnection(environment, PgConnectionStrings.Parse("postgresql://dg@h1:5433,[::1]/app"));

        Assert.Equal("h1,::1", environment["PGHOST"]);
        Assert.Equal("5433,5432", environment["PGPORT"]);
    }
}

public class when_keeping_the_tail_of_a_stream
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(100)]
    [InlineData(1000)]
    public void it_keeps_exactly_the_last_bytes_whatever_the_chunk_size(int chunk)
    {
        var data = Enumerable.Range(0, 2500).Select(i => (byte)(i % 251)).ToArray();
        var tail = new PgProcessRunner.TailBuffer(64);

        for (var i = 0; i < data.Length; i += chunk)
        {
            tail.Append(data.AsSpan(i, Math.Min(chunk, data.Length - i)));
        }

        Assert.Equal(data[^64..], tail.ToArray());
        Assert.True(tail.Truncated);
    }

    [Fact]
    public void it_keeps_everything_below_the_bound()
    {
        var tail = new PgProcessRunner.TailBuffer(64);

        tail.Append("short"u8);

        Assert.Equal("short", tail.ToText());
        Assert.False(tail.Truncated);
    }

    [Fact]
    public void it_drops_a_utf8_sequence_cut_in_half_at_the_start()
    {
        var tail = new PgProcessRunner.TailBuffer(4);

        tail.Append(Encoding.UTF8.GetBytes("x€12")); // € is 3 bytes: the last 4 bytes start inside it

        Assert.Equal("12", tail.ToText());
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData(@"a:b", @"a\:b")]
    [InlineData(@"a\b", @"a\\b")]
    [InlineData(@"\:", @"\\\:")]
    public void passfile_fields_escape_colons_and_backslashes(string raw, string escaped)
    {
        Assert.Equal(escaped, PgProcessRunner.EscapePassfileField(raw));
    }
}

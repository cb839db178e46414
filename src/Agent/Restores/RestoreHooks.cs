using System.Diagnostics;
using System.Text;
using Ledger.Contracts.Restores;
using Ledger.Postgres;

namespace Ledger.Agent.Restores;

/// <summary>
/// BACKUP_AND_RESTORE.md's steps around a restore that DgLedger cannot do itself: stop the application (or block its
/// writes) before, restart it after. Each is an optional per-database command (<c>StopCommand</c>, <c>RestartCommand</c>)
/// run with a timeout; its outcome is a recorded step with the tail of its output. Without a command the step is
/// recorded as manual. The command gets the restore's facts in environment variables (DGLEDGER_RESTORE_ID,
/// DGLEDGER_ENVIRONMENT, DGLEDGER_DATABASE, DGLEDGER_STEP), never a secret; the output tail is scrubbed of the
/// database's password and the DecisionGraph token in case the command prints them.
/// </summary>
public static class RestoreHooks
{
    public const string Stop = "stop-application";
    public const string Restart = "restart-application";
    public const int TailChars = 2000;

    public static async Task<VerificationCheck> RunAsync(string step, RestoreBackup request, ManagedDatabaseOptions? target, CancellationToken ct)
    {
        var command = step == Stop ? target?.StopCommand : target?.RestartCommand;
        var manual = step == Stop
            ? "manual step: stop DecisionGraph (or block its writes) before the restore; no StopCommand is configured for this database"
            : "manual step: restart DecisionGraph after the restore; no RestartCommand is configured for this database";
        if (target is null || command is not { Count: > 0 } || string.IsNullOrWhiteSpace(command[0]))
        {
            return new VerificationCheck(step, CheckOutcomes.Skipped, manual, [], 0);
        }

        var watch = Stopwatch.StartNew();
        var psi = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in command.Skip(1))
        {
            psi.ArgumentList.Add(argument);
        }

        psi.Environment["DGLEDGER_RESTORE_ID"] = request.RestoreId.ToString();
        psi.Environment["DGLEDGER_ENVIRONMENT"] = request.Target.Environment;
        psi.Environment["DGLEDGER_DATABASE"] = request.Target.Database;
        psi.Environment["DGLEDGER_STEP"] = step;
        var output = new StringBuilder();
        var gate = new Lock();
        void Collect(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (gate)
            {
                output.AppendLine(line);
                if (output.Length > TailChars * 4)
                {
                    output.Remove(0, output.Length - TailChars * 2);
                }
            }
        }

        using var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return new VerificationCheck(step, CheckOutcomes.Failed, $"automated step: '{command[0]}' could not be started: {e.Message}", [], watch.ElapsedMilliseconds);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(target.HookTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // it ended meanwhile
            }

            ct.ThrowIfCancellationRequested();
            return new VerificationCheck(step, CheckOutcomes.Failed, $"automated step: '{command[0]}' did not finish within {target.HookTimeout.TotalSeconds:0.#}s and was stopped",
                Tail(output, gate, target), watch.ElapsedMilliseconds);
        }

        process.WaitForExit(); // flush the redirected output
        var tail = Tail(output, gate, target);
        return process.ExitCode == 0
            ? new VerificationCheck(step, CheckOutcomes.Passed, $"automated step: '{command[0]}' exited 0", tail, watch.ElapsedMilliseconds)
            : new VerificationCheck(step, CheckOutcomes.Failed, $"automated step: '{command[0]}' exited {process.ExitCode}", tail, watch.ElapsedMilliseconds);
    }

    private static List<string> Tail(StringBuilder output, Lock gate, ManagedDatabaseOptions target)
    {
        string text;
        lock (gate)
        {
            text = output.ToString();
        }

        text = Scrub(text, target);
        if (text.Length > TailChars)
        {
            text = text[^TailChars..];
        }

        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r'))];
    }

    /// <summary>The database's password and the DecisionGraph token become "***" wherever the command printed them.</summary>
    public static string Scrub(string text, ManagedDatabaseOptions target)
    {
        foreach (var secret in new[] { PasswordOf(target.ConnectionString), target.DecisionGraphToken })
        {
            if (secret is { Length: >= 4 })
            {
                text = text.Replace(secret, "***", StringComparison.Ordinal);
            }
        }

        return text;
    }

    private static string? PasswordOf(string connectionString)
    {
        try
        {
            return new Npgsql.NpgsqlConnectionStringBuilder(PgConnectionStrings.Normalize(connectionString)).Password;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}

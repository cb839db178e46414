using Ledger.Contracts.Common;
using Ledger.Client;
using Cocona;
using Ledger.Cli.Client;
using Ledger.Cli.Common;
using Ledger.Contracts.Backups;

namespace Ledger.Cli.Backups;

/// <summary><c>dgledger backups take</c>: ask for a backup and, with --wait, follow it to the end.</summary>
internal sealed class TakeBackupCommand(CliRuntime cli, LedgerCaller ledger)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(30);

    [Command("take", Description = "ask the agent serving ENV to back up DB; with --wait, follow it until verified (0) or failed (8)")]
    public Task<int> TakeAsync(
        ConnectionOptions connection,
        [Option("env", ValueName = "ENV", Description = "environment, e.g. prod")] string env,
        [Option("db", ValueName = "DB", Description = "database to back up")] string db,
        [Option("trigger", ValueName = "TRIGGER", Description = "manual (default), scheduled or pre-upgrade")] string? trigger = null,
        [Option("kind", ValueName = "TRIGGER", Description = "the older name of --trigger")] string? kind = null,
        [Option("release", ValueName = "RELEASE", Description = "the release this backup precedes, for pre-upgrade backups")] string? release = null,
        [Option("wait", Description = "poll until the backup is verified or failed")] bool wait = false,
        [Option("timeout", ValueName = "DURATION", Description = "how long --wait waits, e.g. 90s, 30m, 2h (default 30m)")] string? timeout = null,
        [Option("json", Description = "print the ledger's JSON (BackupAccepted, or BackupDetail with --wait) and nothing else on stdout")] bool json = false)
    {
        var request = new RequestBackup(
            BackupInput.Environment(env),
            BackupInput.Database(db),
            BackupInput.Trigger(trigger, kind) ?? BackupTriggers.Manual,
            string.IsNullOrWhiteSpace(release) ? null : release.Trim());
        if (timeout is not null && !wait)
        {
            throw new UsageException("--timeout only applies with --wait");
        }

        var waitFor = timeout is null ? DefaultTimeout : TimeInput.ParseDurationOption("--timeout", timeout);

        return ledger.RunAsync(connection, async (client, _) =>
        {
            var accepted = await client.RequestBackupAsync(request, cli.Cancellation);
            if (!wait)
            {
                if (json)
                {
                    cli.WriteJson(accepted);
                }
                else
                {
                    cli.Out.WriteLine($"backup {accepted.BackupId} requested: {accepted.Environment}/{accepted.Database} ({accepted.Trigger})");
                    cli.Out.WriteLine($"follow it with: dgledger backups show {accepted.BackupId}");
                }

                return ExitCodes.Ok;
            }

            var started = cli.Time.GetTimestamp();
            var result = await StatusPoller.WaitAsync(
                ct => client.GetBackupAsync(accepted.BackupId, ct),
                d => d.Backup.Status.IsFinal(),
                d => d.Backup.Status.ToWire(),
                d => cli.Error.WriteLine(BackupViews.Progress(d.Backup, cli.Time.GetElapsedTime(started))),
                waitFor, cli.Time, cli.Cancellation);
            if (result.TimedOut || result.Last is null)
            {
                new CliError(
                    ExitCodes.TimedOut,
                    $"timed out after {TimeInput.FormatDuration(waitFor)} waiting for backup {accepted.BackupId} (last status: {result.Last?.Backup.Status.ToWire() ?? "unknown"})",
                    $"it may still finish: dgledger backups show {accepted.BackupId}").WriteTo(cli.Error);
                return ExitCodes.TimedOut;
            }

            var backup = result.Last.Backup;
            if (json)
            {
                cli.WriteJson(result.Last);
            }
            else
            {
                BackupViews.Table([backup], cli.Time.GetUtcNow()).WriteTo(cli.Out);
            }

            if (backup.Status == BackupStatus.Verified)
            {
                return ExitCodes.Ok;
            }

            new CliError(
                ExitCodes.BackupFailed,
                $"backup {backup.Id} {backup.Status.ToWire()}: {Humanize.OrNone(backup.FailureReason)}",
                $"see its history: dgledger backups show {backup.Id}").WriteTo(cli.Error);
            return ExitCodes.BackupFailed;
        });
    }
}

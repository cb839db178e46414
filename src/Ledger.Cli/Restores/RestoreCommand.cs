using Ledger.Contracts.Common;
using Ledger.Client;
using Cocona;
using Ledger.Cli.Backups;
using Ledger.Cli.Client;
using Ledger.Cli.Common;
using Ledger.Contracts.Restores;
using Ledger.Postgres;
using Refit;

namespace Ledger.Cli.Restores;

/// <summary>
/// <c>dgledger restore BACKUP_ID --target-db NAME --confirm NAME [--env E] [--allow-primary] [--plan] [--wait] [--json]</c>,
/// and <c>dgledger restores show ID</c> to follow one later.
/// </summary>
[HasSubCommands(typeof(ShowRestoreCommand), "restores", Description = "inspect restores and plans")]
internal sealed class RestoreCommand(CliRuntime cli, LedgerCaller ledger)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(30);
    public static readonly TimeSpan DefaultPlanTimeout = TimeSpan.FromMinutes(2);

    [Command("restore", Description = "restore a verified backup into a database (0 verified, 9 refused, 10 failed); --plan says what would happen and changes nothing")]
    public Task<int> RestoreAsync(
        ConnectionOptions connection,
        [Argument("backup-id", Description = "the backup's full id")] string backupId,
        [Option("target-db", ValueName = "NAME", Description = "the database to restore into (created if it does not exist)")] string targetDb,
        [Option("confirm", ValueName = "NAME", Description = "repeat the target's name: the restore replaces what it holds")] string? confirm = null,
        [Option("env", ValueName = "ENV", Description = "the target's environment (default: the backup's)")] string? env = null,
        [Option("allow-primary", Description = "allow a target whose role is primary (needs the operator role)")] bool allowPrimary = false,
        [Option("plan", Description = "say what would happen (age, size, expected duration, data that would be lost) and change nothing")] bool plan = false,
        [Option("wait", Description = "follow the restore through verification")] bool wait = false,
        [Option("timeout", ValueName = "DURATION", Description = "how long --wait (or --plan) waits, e.g. 90s, 30m (default 30m, 2m for --plan)")] string? timeout = null,
        [Option("json", Description = "print the ledger's JSON (RestoreAccepted, or the RestoreView with --wait/--plan) and nothing else on stdout")] bool json = false)
    {
        var id = BackupInput.Id(backupId);
        if (!PgIdentifier.IsValid(targetDb))
        {
            throw new UsageException($"invalid --target-db '{targetDb}': a PostgreSQL identifier (letters, digits, _ and $, starting with a letter or _)");
        }

        var environment = env is null ? null : BackupInput.Environment(env);
        if (!plan && string.IsNullOrWhiteSpace(confirm))
        {
            throw new UsageException($"--confirm {targetDb} is required: the restore replaces what {targetDb} holds");
        }

        if (timeout is not null && !wait && !plan)
        {
            throw new UsageException("--timeout only applies with --wait or --plan");
        }

        var waitFor = timeout is not null ? TimeInput.ParseDurationOption("--timeout", timeout) : plan ? DefaultPlanTimeout : DefaultTimeout;
        var request = new RequestRestore(id, targetDb, string.IsNullOrWhiteSpace(confirm) ? null : confirm.Trim(), environment, allowPrimary, plan);

        return ledger.RunAsync(connection, async (client, _) =>
        {
            RestoreAccepted accepted;
            try
            {
                accepted = await client.RequestRestoreAsync(request, cli.Cancellation);
            }
            catch (ApiException e) when (RestoreViews.RefusalOf(e.Content) is { } refusal)
            {
                new CliError(ExitCodes.RestoreRefused,
                    [$"restore refused ({refusal.Interlock}): {refusal.Reason}",
                     .. refusal.RestoreId is { } refusedId ? [$"recorded as restore {refusedId}: dgledger restores show {refusedId}"] : Array.Empty<string>()])
                    .WriteTo(cli.Error);
                return ExitCodes.RestoreRefused;
            }

            if (!wait && !plan)
            {
                if (json)
                {
                    cli.WriteJson(accepted);
                }
                else
                {
                    cli.Out.WriteLine($"restore {accepted.RestoreId} requested: backup {id} into {targetDb}");
                    cli.Out.WriteLine($"follow it with: dgledger restores show {accepted.RestoreId}");
                }

                return ExitCodes.Ok;
            }

            var started = cli.Time.GetTimestamp();
            var result = await StatusPoller.WaitAsync(
                ct => client.GetRestoreAsync(accepted.RestoreId, ct),
                v => v.Status.IsFinal(),
                v => v.Status.ToWire(),
                v => cli.Error.WriteLine(RestoreViews.Progress(v, cli.Time.GetElapsedTime(started))),
                waitFor, cli.Time, cli.Cancellation);
            if (result.TimedOut || result.Last is null)
            {
                new CliError(ExitCodes.TimedOut,
                    $"timed out after {TimeInput.FormatDuration(waitFor)} waiting for {(plan ? "plan" : "restore")} {accepted.RestoreId} (last status: {result.Last?.Status.ToWire() ?? "unknown"})",
                    $"it may still finish: dgledger restores show {accepted.RestoreId}").WriteTo(cli.Error);
                return ExitCodes.TimedOut;
            }

            var view = result.Last;
            if (json)
            {
                cli.WriteJson(view);
            }
            else if (plan)
            {
                RestoreViews.WritePlan(cli.Out, view);
            }
            else
            {
                RestoreViews.WriteRestore(cli.Out, view);
            }

            return ExitCodeOf(view);
        });
    }

    /// <summary>0 verified (or a plan nothing would refuse), 9 a plan an interlock would refuse, 10 failed or failed verification.</summary>
    public static int ExitCodeOf(RestoreView view) => view.Status switch
    {
        RestoreStatus.Verified => ExitCodes.Ok,
        RestoreStatus.Planned => view.Blockers.Count == 0 ? ExitCodes.Ok : ExitCodes.RestoreRefused,
        RestoreStatus.Refused => ExitCodes.RestoreRefused,
        RestoreStatus.Failed or RestoreStatus.VerificationFailed => ExitCodes.RestoreFailed,
        _ => ExitCodes.TimedOut,
    };
}

/// <summary><c>dgledger restores list|show</c>: restores and plans, and one as it stands.</summary>
internal sealed class ShowRestoreCommand(CliRuntime cli, LedgerCaller ledger)
{
    [Command("list", Description = "list restores and plans, newest first")]
    public Task<int> ListAsync(
        ConnectionOptions connection,
        [Option("env", ValueName = "ENV", Description = "only restores into this environment")] string? env = null,
        [Option("target-db", ValueName = "NAME", Description = "only restores into this database")] string? targetDb = null,
        [Option("backup", ValueName = "ID", Description = "only restores of this backup")] string? backup = null,
        [Option("status", ValueName = "STATUS", Description = "only this status: requested, refused, running, writes-blocked, verifying, failed, verified, verification-failed, planned")] string? status = null,
        [Option("page", ValueName = "N", Description = "page number, from 1")] int page = 1,
        [Option("page-size", ValueName = "N", Description = "restores per page")] int pageSize = 50,
        [Option("json", Description = "print the ledger's JSON (a page of restores) and nothing else on stdout")] bool json = false)
    {
        var environment = string.IsNullOrWhiteSpace(env) ? null : Backups.BackupInput.Environment(env);
        var backupId = backup is null ? (Guid?)null : Backups.BackupInput.Id(backup);
        if (status is not null && !WireEnum.Names<RestoreStatus>().Contains(status))
        {
            throw new UsageException($"invalid --status '{status}': expected one of {string.Join(", ", WireEnum.Names<RestoreStatus>())}");
        }

        Backups.BackupInput.Positive("--page", page);
        Backups.BackupInput.Positive("--page-size", pageSize);
        return ledger.RunAsync(connection, async (client, _) =>
        {
            var result = await client.ListRestoresAsync(environment, string.IsNullOrWhiteSpace(targetDb) ? null : targetDb.Trim(), backupId,
                status, page, pageSize, cli.Cancellation);
            if (json)
            {
                cli.WriteJson(result);
                return ExitCodes.Ok;
            }

            if (result.Items.Count == 0)
            {
                cli.Out.WriteLine(page == 1 ? "no restores match" : $"page {page} is empty");
                return ExitCodes.Ok;
            }

            RestoreViews.Table(result.Items, cli.Time.GetUtcNow()).WriteTo(cli.Out);
            if (result.HasMore)
            {
                cli.Out.WriteLine($"more: --page {page + 1}");
            }

            return ExitCodes.Ok;
        });
    }

    [Command("show", Description = "show one restore or plan: status, durations, checks; exit code as for restore --wait")]
    public Task<int> ShowAsync(
        ConnectionOptions connection,
        [Argument("id", Description = "the restore's full id")] string id,
        [Option("json", Description = "print the ledger's JSON (RestoreView) and nothing else on stdout")] bool json = false)
    {
        var restoreId = Guid.TryParse(id, out var parsed)
            ? parsed
            : throw new UsageException($"'{id}' is not a restore id: pass the full id that 'dgledger restore' printed");
        return ledger.RunAsync(connection, async (client, _) =>
        {
            var view = await client.GetRestoreAsync(restoreId, cli.Cancellation);
            if (json)
            {
                cli.WriteJson(view);
            }
            else if (view.Plan)
            {
                RestoreViews.WritePlan(cli.Out, view);
            }
            else
            {
                RestoreViews.WriteRestore(cli.Out, view);
            }

            return view.Status.IsFinal() ? RestoreCommand.ExitCodeOf(view) : ExitCodes.Ok;
        });
    }
}

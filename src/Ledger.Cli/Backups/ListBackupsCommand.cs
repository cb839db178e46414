using Ledger.Client;
using Cocona;
using Ledger.Cli.Client;
using Ledger.Cli.Common;

namespace Ledger.Cli.Backups;

/// <summary><c>dgledger backups list</c>: restore points, newest first, filtered and paged.</summary>
internal sealed class ListBackupsCommand(CliRuntime cli, LedgerCaller ledger)
{
    [Command("list", Description = "list backups, newest first")]
    public Task<int> ListAsync(
        ConnectionOptions connection,
        [Option("env", ValueName = "ENV", Description = "only this environment")] string? env = null,
        [Option("db", ValueName = "DB", Description = "only this database")] string? db = null,
        [Option("trigger", ValueName = "TRIGGER", Description = "only this trigger: manual, scheduled or pre-upgrade")] string? trigger = null,
        [Option("kind", ValueName = "TRIGGER", Description = "the older name of --trigger")] string? kind = null,
        [Option("status", ValueName = "STATUS", Description = "only this status: requested, running, taken, verified, failed, verification-failed")] string? status = null,
        [Option("since", ValueName = "WHEN", Description = "only backups since WHEN: 30m, 12h, 7d, 2w back from now, or an ISO date")] string? since = null,
        [Option("until", ValueName = "WHEN", Description = "only backups until WHEN (same forms as --since)")] string? until = null,
        [Option("missed", Description = "only scheduled backups that were not taken by their deadline")] bool missed = false,
        [Option("page", ValueName = "N", Description = "page number, from 1")] int page = 1,
        [Option("page-size", ValueName = "N", Description = "backups per page")] int pageSize = 50,
        [Option("total", Description = "also count every match (slower on a large ledger)")] bool total = false,
        [Option("json", Description = "print the ledger's JSON (a page of restore points) and nothing else on stdout")] bool json = false)
    {
        var now = cli.Time.GetUtcNow();
        var wantedTrigger = BackupInput.Trigger(trigger, kind);
        var wantedStatus = BackupInput.OptionalStatus(status);
        var from = since is null ? (DateTimeOffset?)null : TimeInput.ParsePointInTimeOption("--since", since, now);
        var to = until is null ? (DateTimeOffset?)null : TimeInput.ParsePointInTimeOption("--until", until, now);
        BackupInput.Positive("--page", page);
        BackupInput.Positive("--page-size", pageSize);

        return ledger.RunAsync(connection, async (client, _) =>
        {
            var result = await client.ListBackupsAsync(
                environment: env,
                database: db,
                trigger: wantedTrigger,
                status: wantedStatus,
                since: from is { } f ? LedgerQuery.Timestamp(f) : null,
                until: to is { } t ? LedgerQuery.Timestamp(t) : null,
                page: page,
                pageSize: pageSize,
                missed: missed ? true : null,
                total: total ? true : null,
                cancellationToken: cli.Cancellation);

            if (json)
            {
                cli.WriteJson(result);
                return ExitCodes.Ok;
            }

            if (result.Items.Count == 0)
            {
                var matching = result.TotalCount is { } count ? $" ({count} backups match)" : "";
                cli.Out.WriteLine(result.PageNumber == 1 ? "no backups match" : $"page {result.PageNumber} is empty{matching}");
                return ExitCodes.Ok;
            }

            BackupViews.Table(result.Items, now).WriteTo(cli.Out);
            var first = ((long)(result.PageNumber - 1) * result.PageSize) + 1;
            var more = result.HasMore ? $"; next: --page {result.PageNumber + 1}" : "";
            var of = result.TotalCount is { } all ? $" of {all}" : "";
            cli.Out.WriteLine($"{first}-{first + result.Items.Count - 1}{of}{more}");
            return ExitCodes.Ok;
        });
    }
}

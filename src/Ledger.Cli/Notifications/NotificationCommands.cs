using Ledger.Contracts.Common;
using Cocona;
using Ledger.Cli.Client;
using Ledger.Cli.Common;
using Ledger.Contracts.Notifications;

namespace Ledger.Cli.Notifications;

/// <summary><c>dgledger notifications list</c>: webhook deliveries and how they went (names webhooks, never their URLs or secrets).</summary>
internal sealed class NotificationCommands(CliRuntime cli, LedgerCaller ledger)
{
    [Command("list", Description = "list webhook deliveries, newest first (--status failed: the ones that gave up)")]
    public Task<int> ListAsync(
        ConnectionOptions connection,
        [Option("status", Description = "pending, retrying, delivered or failed")] string? status = null,
        [Option("webhook", Description = "one webhook, by name")] string? webhook = null,
        [Option("env", Description = "one environment")] string? environment = null,
        [Option("page", Description = "page number, from 1")] int page = 1,
        [Option("page-size", Description = "deliveries per page")] int pageSize = 50,
        [Option("json", Description = "print the ledger's JSON (a page of deliveries) and nothing else on stdout")] bool json = false)
    {
        if (status is not null && !WireEnum.Names<DeliveryStatus>().Contains(status))
        {
            throw new UsageException($"--status must be one of {string.Join(", ", WireEnum.Names<DeliveryStatus>())}.");
        }

        return ledger.RunAsync(connection, async (client, _) =>
        {
            var deliveries = await client.ListDeliveriesAsync(status, webhook, environment, page, pageSize, cli.Cancellation);
            if (json)
            {
                cli.WriteJson(deliveries);
                return ExitCodes.Ok;
            }

            if (deliveries.Items.Count == 0)
            {
                cli.Out.WriteLine("no deliveries");
                return ExitCodes.Ok;
            }

            var table = new TextTable(new Column("CREATED (UTC)"), new Column("WEBHOOK"), new Column("KIND"), new Column("WHERE"),
                new Column("STATUS"), new Column("ATTEMPTS", Align.Right), new Column("LAST ERROR"), new Column("SUMMARY"));
            foreach (var d in deliveries.Items)
            {
                table.AddRow(Humanize.Utc(d.CreatedAt), d.Webhook, d.Kind, d.Database is null ? d.Environment : $"{d.Environment}/{d.Database}",
                    d.Status.ToWire(), $"{d.Attempts}/{d.MaxAttempts}", Humanize.OrNone(d.LastError), d.Summary);
            }

            table.WriteTo(cli.Out);
            if (deliveries.HasMore)
            {
                cli.Out.WriteLine($"more: --page {page + 1}");
            }

            return ExitCodes.Ok;
        });
    }
}

using Cocona;
using Ledger.Cli.Client;
using Ledger.Cli.Common;

namespace Ledger.Cli.Reports;

/// <summary><c>dgledger report drills</c>: the drill-cadence compliance report; exit 11 when any control fails.</summary>
internal sealed class ReportCommands(CliRuntime cli, LedgerCaller ledger)
{
    [Command("drills", Description = "drill cadence, pass rate, RTO and backup-policy compliance per database; exit 11 when a control fails")]
    public Task<int> DrillsAsync(
        ConnectionOptions connection,
        [Option("since", ValueName = "WINDOW", Description = "days back like 365d (default), or an ISO date")] string? since = null,
        [Option("env", ValueName = "ENV", Description = "only this environment")] string? env = null,
        [Option("format", ValueName = "FORMAT", Description = "table (default), md, csv, json or html")] string format = "table")
    {
        var wanted = format.Trim().ToLowerInvariant();
        if (!DrillReportViews.Formats.Contains(wanted))
        {
            throw new UsageException($"--format must be one of {string.Join(", ", DrillReportViews.Formats)}.");
        }

        var window = string.IsNullOrWhiteSpace(since) ? null : since.Trim();
        if (window is not null && window.EndsWith('d') && !int.TryParse(window[..^1], out _))
        {
            throw new UsageException("--since must be a number of days like 365d, or an ISO date.");
        }

        return ledger.RunAsync(connection, async (client, _) =>
        {
            var report = await client.GetDrillReportAsync(window, string.IsNullOrWhiteSpace(env) ? null : env.Trim(), cli.Cancellation);
            switch (wanted)
            {
                case "json": cli.WriteJson(report); break;
                case "md": DrillReportViews.Markdown(report, cli.Out); break;
                case "csv": DrillReportViews.Csv(report, cli.Out); break;
                case "html": DrillReportViews.Html(report, cli.Out); break;
                default: DrillReportViews.Table(report, cli.Out); break;
            }

            if (!report.Compliant)
            {
                var failing = report.Lines.Where(l => !l.Compliant)
                    .Select(l => $"{l.Environment}/{l.Database} ({string.Join(", ", l.Controls.Where(c => !c.Passed).Select(c => c.Control))})");
                cli.Error.WriteLine($"not compliant: {string.Join("; ", failing)}");
                return ExitCodes.ComplianceFailed;
            }

            return ExitCodes.Ok;
        });
    }
}

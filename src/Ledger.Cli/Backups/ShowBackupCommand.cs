using Cocona;
using Ledger.Cli.Client;
using Ledger.Cli.Common;

namespace Ledger.Cli.Backups;

/// <summary><c>dgledger backups show ID</c>: one backup's facts, row counts and history.</summary>
internal sealed class ShowBackupCommand(CliRuntime cli, LedgerCaller ledger)
{
    [Command("show", Description = "show one backup: key facts, table row counts and event history")]
    public Task<int> ShowAsync(
        ConnectionOptions connection,
        [Argument("id", Description = "the backup's full id")] string id,
        [Option("json", Description = "print the ledger's JSON (BackupDetail) and nothing else on stdout")] bool json = false)
    {
        var backupId = BackupInput.Id(id);

        return ledger.RunAsync(connection, async (client, _) =>
        {
            var detail = await client.GetBackupAsync(backupId, cli.Cancellation);
            if (json)
            {
                cli.WriteJson(detail);
            }
            else
            {
                BackupViews.WriteDetail(cli.Out, detail);
            }

            return ExitCodes.Ok;
        });
    }
}

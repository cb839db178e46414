using Cocona;
using Ledger.Cli.Backups;
using Ledger.Cli.Client;
using Ledger.Cli.Common;
using Ledger.Contracts.Fidelity;
using Ledger.Postgres.Fidelity;
using Npgsql;

namespace Ledger.Cli.Diff;

/// <summary>
/// <c>dgledger diff</c>: is the target exactly the database that was backed up? Compares fingerprints (row counts,
/// content hashes, sequences, schema objects) of the target and of the source: a live database (then the rows that
/// differ are named by key) or the fingerprint the ledger recorded with a backup.
/// </summary>
internal sealed class DiffCommand(CliRuntime cli, LedgerCaller ledger)
{
    /// <summary>How many differing keys are listed per table.</summary>
    public const int KeyLimit = 20;

    [Command("diff", Description =
        "compare the --target database with a live --source or a backup's recorded fingerprint: tables, rows, sequences and schema. "
        + "Exit 0 identical, 4 different, 2 bad usage or URL, 5 unknown backup (or none recorded), 7 a database or the ledger unreachable")]
    public async Task<int> DiffAsync(
        ConnectionOptions connection,
        [Option("target", ValueName = "URL", Description = "the database to check, e.g. a restore: postgresql://user:pass@host:5432/db or an Npgsql connection string")]
        string target,
        [Option("source", ValueName = "URL", Description = "the live database it should equal (same forms as --target); rows that differ are listed by key")]
        string? source = null,
        [Option("backup", ValueName = "ID", Description = "instead of --source: the backup whose recorded fingerprint it should equal (uses --url/--token)")]
        string? backup = null,
        [Option("json", Description = "print the FingerprintDiff as JSON and nothing else on stdout")]
        bool json = false)
    {
        if ((source is null) == (backup is null))
        {
            throw new UsageException(source is null
                ? "say what the target should equal: --source URL (a live database) or --backup ID (a backup's recorded fingerprint)"
                : "pass --source or --backup, not both");
        }

        var targetDb = LiveDatabase.Parse("--target", "target", target);
        var sourceDb = source is null ? null : LiveDatabase.Parse("--source", "source", source);
        var backupId = backup is null ? (Guid?)null : BackupInput.Id(backup);

        try
        {
            DatabaseFingerprint sourceFingerprint;
            DatabaseFingerprint targetFingerprint;
            string sourceLabel;
            if (sourceDb is not null)
            {
                var fromSource = sourceDb.RunAsync(cs => Fingerprinter.CaptureAsync(cs, cli.Cancellation));
                var fromTarget = targetDb.RunAsync(cs => Fingerprinter.CaptureAsync(cs, cli.Cancellation));
                await Task.WhenAll(Quietly(fromSource), Quietly(fromTarget));
                (sourceFingerprint, targetFingerprint) = (await fromSource, await fromTarget);
                sourceLabel = sourceDb.Display;
            }
            else
            {
                DatabaseFingerprint? recorded = null;
                var exit = await ledger.RunAsync(connection, async (client, _) =>
                {
                    recorded = await client.GetFingerprintAsync(backupId!.Value, cli.Cancellation);
                    return ExitCodes.Ok;
                });
                if (exit != ExitCodes.Ok || recorded is null)
                {
                    return exit != ExitCodes.Ok ? exit : ExitCodes.NotFound;
                }

                sourceFingerprint = recorded;
                targetFingerprint = await targetDb.RunAsync(cs => Fingerprinter.CaptureAsync(cs, cli.Cancellation));
                sourceLabel = $"backup {backupId} (database {recorded.Database}, captured {Humanize.Utc(recorded.CapturedAt)} UTC)";
            }

            var diff = FingerprintComparer.Compare(sourceFingerprint, targetFingerprint);
            if (sourceDb is not null && !diff.Identical)
            {
                diff = diff with { Tables = await WithKeysAsync(diff.Tables, sourceFingerprint, sourceDb, targetDb) };
            }

            if (json)
            {
                cli.WriteJson(diff);
            }
            else
            {
                DiffViews.Write(cli.Out, diff, sourceFingerprint, sourceLabel, targetDb.Display, liveSource: sourceDb is not null);
            }

            return diff.Identical ? ExitCodes.Ok : ExitCodes.DatabasesDiffer;
        }
        catch (DatabaseFailure failure)
        {
            failure.Error.WriteTo(cli.Error);
            return failure.Error.ExitCode;
        }
    }

    /// <summary>Fills in up to <see cref="KeyLimit"/> differing keys for each table whose rows differ and that has a key.</summary>
    private async Task<IReadOnlyList<TableDifference>> WithKeysAsync(
        IReadOnlyList<TableDifference> differences, DatabaseFingerprint source, LiveDatabase sourceDb, LiveDatabase targetDb)
    {
        var tables = source.Tables.ToDictionary(t => (t.Schema, t.Table));
        var result = new List<TableDifference>(differences.Count);
        foreach (var difference in differences)
        {
            if (difference.Kind is not (FingerprintComparer.Content or FingerprintComparer.RowCount)
                || !tables.TryGetValue((difference.Schema, difference.Table), out var table) || table.KeyColumns.Count == 0)
            {
                result.Add(difference);
                continue;
            }

            try
            {
                var keys = await KeyDiff.FindDifferingKeysAsync(sourceDb.ConnectionString, targetDb.ConnectionString, table, KeyLimit, cli.Cancellation);
                result.Add(difference with { DifferingKeys = keys });
            }
            catch (PostgresException e)
            {
                // Say, the key's type changed in a way the two sides cannot compare; the difference itself still stands.
                cli.Error.WriteLine($"warning: could not list the differing keys of {difference.Schema}.{difference.Table}: {e.MessageText}");
                result.Add(difference);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                // Both databases answered a moment ago; one of them went away.
                throw new DatabaseFailure(
                    new CliError(ExitCodes.Unreachable, $"lost a database while listing the differing keys of {difference.Schema}.{difference.Table}: {e.Message}"), e);
            }
        }

        return result;
    }

    /// <summary>Waits for a task without throwing, so that two captures both finish before either failure is reported.</summary>
    private static async Task Quietly(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception e) when (e is DatabaseFailure or OperationCanceledException)
        {
            // observed (and rethrown) by the caller
        }
    }
}

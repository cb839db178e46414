using System.Diagnostics;
using System.Security.Cryptography;
using Ledger.Contracts.Backups;
using Ledger.Postgres;

namespace Agent.Backups;

/// <summary>
/// Verifies a fresh artifact: its bytes re-hash to the recorded SHA-256, and <c>pg_restore --list</c> parses it and
/// shows a TABLE DATA entry for every table counted at dump time.
/// </summary>
public sealed class BackupVerifier(AgentOptions options, PgToolPaths tools, PgProcessRunner runner, TimeProvider clock)
{
    public async Task<object> VerifyAsync(BackupTaken taken, CancellationToken ct)
    {
        var stopwatch = Stopwatch.StartNew();
        string sha256;
        try
        {
            await using var file = new FileStream(taken.ArtifactPath, FileMode.Open, FileAccess.Read, FileShare.Read,
                bufferSize: 1 << 20, FileOptions.SequentialScan | FileOptions.Asynchronous);
            sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, ct));
        }
        catch (IOException e)
        {
            return Failed(taken, $"The artifact cannot be read: {e.Message}");
        }

        if (sha256 != taken.Sha256)
        {
            return Failed(taken, $"SHA-256 mismatch: recorded {taken.Sha256}, file has {sha256}.");
        }

        var list = await runner.RunAsync(new PgCommand(tools.PgRestore, ["--list", taken.ArtifactPath]), null, ct);
        if (!list.Succeeded)
        {
            return Failed(taken, $"pg_restore --list could not read the archive (exit {list.ExitCode}): {list.StderrTail.Trim()}");
        }

        var missing = TableOfContents.MissingTableData(list.StdoutText ?? "", taken.TableRowCounts);
        if (missing.Count > 0)
        {
            return Failed(taken, $"The archive has no TABLE DATA for {missing.Count} counted table(s): {string.Join(", ", missing.Take(10))}.");
        }

        return new BackupVerified(taken.BackupId, options.Id, sha256, taken.TableRowCounts.Count,
            stopwatch.ElapsedMilliseconds, clock.GetUtcNow());
    }

    private BackupVerificationFailed Failed(BackupTaken taken, string reason) =>
        new(taken.BackupId, options.Id, reason, clock.GetUtcNow());
}

/// <summary>Reads the table of contents that <c>pg_restore --list</c> prints.</summary>
public static class TableOfContents
{
    /// <summary>
    /// Entries look like <c>3401; 0 16390 TABLE DATA public dg_event_log owner</c>; returns "schema.table" of every
    /// counted table without such an entry.
    /// </summary>
    public static IReadOnlyList<string> MissingTableData(string listing, IReadOnlyList<TableRowCount> counted)
    {
        var present = new HashSet<(string, string)>();
        foreach (var raw in listing.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith(';'))
            {
                continue;
            }

            var marker = line.IndexOf(" TABLE DATA ", StringComparison.Ordinal);
            if (marker < 0)
            {
                continue;
            }

            var rest = line[(marker + " TABLE DATA ".Length)..].Split(' ');
            if (rest.Length >= 3)
            {
                // schema, table name (may contain spaces), owner last.
                present.Add((rest[0], string.Join(' ', rest[1..^1])));
            }
        }

        return counted.Where(t => !present.Contains((t.Schema, t.Table))).Select(t => $"{t.Schema}.{t.Table}").ToList();
    }
}

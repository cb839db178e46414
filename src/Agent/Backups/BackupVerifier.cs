using System.Diagnostics;
using Ledger.Agent.Repositories;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Fidelity;
using Ledger.Postgres;

namespace Ledger.Agent.Backups;

/// <summary>
/// Verifies a fresh artifact: its bytes re-hash to the recorded SHA-256, and <c>pg_restore --list</c> parses it and
/// shows a TABLE DATA entry for every table counted at dump time. What is hashed is re-read from the repository (a fresh
/// open of the stored file, or a GET of the bucket object), never the hash the writer computed on the way out; for a local
/// file its cached pages are dropped first (<see cref="PageCache"/>), so the read comes from the disk.
/// </summary>
public sealed class BackupVerifier(AgentOptions options, BackupRepositories repositories, PgToolPaths tools, PgProcessRunner runner, TimeProvider clock)
{
    public async Task<object> VerifyAsync(BackupTaken taken, CancellationToken ct)
    {
        var stopwatch = Stopwatch.StartNew();
        if (repositories.Resolve(taken.Repository, taken.Key, taken.ArtifactPath, out var outside) is not var (repository, key))
        {
            return Failed(taken, outside!);
        }

        // A fault test can change the stored bytes here, between BackupTaken and the re-read.
        await Recovery.FailPoints.ReachAsync(Recovery.Phases.Verification, $"{taken.Environment}/{taken.Database}");
        var fromDisk = repository.LocalPathOf(key) is { } local && PageCache.Drop(local);

        // One read of the stored object: its SHA-256, its decryption (every frame authenticated) and pg_restore's listing.
        string sha256;
        string? listing = null;
        try
        {
            (sha256, _) = await repositories.ReadAsync(repository, key, taken.KeyId,
                async plain => listing = await ArchiveSequences.ListAsync(plain, tools, runner, ct), ct);
        }
        catch (PgProcessFailedException e)
        {
            return Failed(taken, $"pg_restore --list could not read the archive (exit {e.Result.ExitCode}): {e.Result.StderrTail.Trim()}");
        }
        catch (Exception e) when (BackupRepositories.IsStorageFailure(e))
        {
            return Failed(taken, $"The artifact cannot be read: {BackupRepositories.Describe(e)}");
        }

        if (sha256 != taken.Sha256)
        {
            return Failed(taken, $"SHA-256 mismatch: recorded {taken.Sha256}, the stored artifact {(fromDisk ? "re-read from disk" : "re-read")} has {sha256}.");
        }

        var missing = taken.Fingerprint is { } fingerprint
            ? TableOfContents.MissingFrom(listing ?? "", fingerprint)
            : TableOfContents.MissingTableData(listing ?? "", taken.TableRowCounts);
        if (missing.Count > 0)
        {
            return Failed(taken, $"The archive's table of contents lacks {missing.Count} item(s) of the fingerprint: {string.Join(", ", missing.Take(10))}.");
        }

        // The companion exports are re-hashed too: a changed or missing export fails the verification.
        if (await CompanionExports.RehashAsync(repositories, taken.Exports, ct) is { Count: > 0 } exportProblems)
        {
            return Failed(taken, string.Join("; ", exportProblems.Take(5)) + ".");
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
    // Entry lines: "<dump id>; <table oid> <oid> <DESC> <schema> <tag> <owner>"; DESC may be several words.
    private static readonly string[] Descriptions =
        ["TABLE DATA", "SEQUENCE SET", "TRIGGER", "VIEW", "MATERIALIZED VIEW", "FUNCTION", "PROCEDURE", "INDEX"];

    /// <summary>(description, schema, tag) of every entry DgLedger checks; the owner is dropped.</summary>
    public static IReadOnlyList<(string Description, string Schema, string Tag)> Entries(string listing)
    {
        var entries = new List<(string, string, string)>();
        foreach (var raw in listing.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith(';') || line.Length == 0)
            {
                continue;
            }

            foreach (var description in Descriptions)
            {
                var marker = line.IndexOf($" {description} ", StringComparison.Ordinal);
                if (marker < 0 || !line[..marker].Contains(';', StringComparison.Ordinal))
                {
                    continue;
                }

                var rest = line[(marker + description.Length + 2)..].Split(' ');
                if (rest.Length >= 3)
                {
                    entries.Add((description, rest[0], string.Join(' ', rest[1..^1])));
                }

                break;
            }
        }

        return entries;
    }

    /// <summary>"schema.table" of every counted table without a TABLE DATA entry.</summary>
    public static IReadOnlyList<string> MissingTableData(string listing, IReadOnlyList<TableRowCount> counted)
    {
        var present = Entries(listing).Where(e => e.Description == "TABLE DATA").Select(e => (e.Schema, e.Tag)).ToHashSet();
        return counted.Where(t => !present.Contains((t.Schema, t.Table))).Select(t => $"{t.Schema}.{t.Table}").ToList();
    }

    /// <summary>
    /// Everything the fingerprint says the database holds but the archive lacks: table data, sequence values, triggers,
    /// views, functions and (non-constraint) indexes, each named.
    /// </summary>
    public static IReadOnlyList<string> MissingFrom(string listing, DatabaseFingerprint fingerprint)
    {
        var entries = Entries(listing);
        bool Has(string description, string schema, Func<string, bool> tag) =>
            entries.Any(e => e.Description == description && e.Schema == schema && tag(e.Tag));

        var missing = MissingTableData(listing, fingerprint.Tables.Select(t => new TableRowCount(t.Schema, t.Table, t.Rows)).ToList())
            .Select(t => "table data " + t).ToList();
        missing.AddRange(fingerprint.Sequences.Where(s => !Has("SEQUENCE SET", s.Schema, tag => tag == s.Name))
            .Select(s => $"sequence value {s.Schema}.{s.Name}"));

        var constraintNames = fingerprint.SchemaObjects.Where(o => o.Kind == "constraint")
            .Select(o => o.Name.Split('.')).Where(p => p.Length >= 3).Select(p => (p[0], p[^1])).ToHashSet();
        foreach (var o in fingerprint.SchemaObjects)
        {
            var parts = o.Name.Split('.');
            var ok = o.Kind switch
            {
                "trigger" when parts.Length >= 3 => Has("TRIGGER", parts[0], tag => tag == $"{parts[1]} {parts[2]}"),
                "view" => Has("VIEW", parts[0], tag => tag == parts[1]),
                "materialized view" => Has("MATERIALIZED VIEW", parts[0], tag => tag == parts[1]),
                // The fingerprint names a function with its identity arguments ("public.f(integer)"); the listing's tag is "f(integer)".
                "function" or "procedure" => Has(o.Kind.ToUpperInvariant(), parts[0], tag => tag.StartsWith(parts[1].Split('(')[0] + "(", StringComparison.Ordinal)),
                "index" when !constraintNames.Contains((parts[0], parts[^1])) => Has("INDEX", parts[0], tag => tag == parts[1]),
                _ => true,
            };
            if (!ok)
            {
                missing.Add($"{o.Kind} {o.Name}");
            }
        }

        return missing;
    }
}

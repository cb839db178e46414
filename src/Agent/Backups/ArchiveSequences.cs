using System.Text.RegularExpressions;
using Ledger.Contracts.Fidelity;
using Ledger.Postgres;

namespace Ledger.Agent.Backups;

/// <summary>
/// Sequences are not transactional: pg_dump and the fingerprint read them at slightly different moments, and a busy
/// application moves them in between. So the fingerprint records the values the archive itself carries, read back
/// from its SEQUENCE SET entries; the live values at dump time are at or past them.
/// </summary>
public static partial class ArchiveSequences
{
    [GeneratedRegex(@"setval\('((?:[^']|'')+)', (-?\d+), (true|false)\)")]
    private static partial Regex SetVal();

    /// <param name="listing">The archive's <c>pg_restore --list</c>, when the caller already has it.</param>
    /// <param name="openArchive">Opens the archive's plaintext from its start (pg_restore reads it on stdin and stops after the table of contents).</param>
    /// <param name="workDirectory">Where the short-lived list file goes.</param>
    public static async Task<DatabaseFingerprint> ApplyAsync(DatabaseFingerprint fingerprint, string? listing,
        Func<CancellationToken, Task<Stream>> openArchive, string workDirectory, PgToolPaths tools, PgProcessRunner runner, CancellationToken ct)
    {
        if (fingerprint.Sequences.Count == 0)
        {
            return fingerprint;
        }

        listing ??= await ListAsync(openArchive, tools, runner, ct);
        var entries = listing.Split('\n').Where(l => l.Contains(" SEQUENCE SET ", StringComparison.Ordinal)).ToList();
        Directory.CreateDirectory(workDirectory);
        var listFile = Path.Combine(workDirectory, $".sequences-{Guid.NewGuid():N}.list");
        try
        {
            await File.WriteAllLinesAsync(listFile, entries, ct);
            PgProcessResult script;
            await using (var archive = await openArchive(ct))
            {
                script = await runner.RunAsync(new PgCommand(tools.PgRestore, ["--file=-", $"--use-list={listFile}"]) { StandardInput = archive }, null, ct);
            }

            script.EnsureSuccess();
            var values = Parse(script.StdoutText ?? "");
            return fingerprint with
            {
                Sequences = fingerprint.Sequences
                    .Select(s => values.TryGetValue(QualifiedName(s.Schema, s.Name), out var v) ? s with { LastValue = v.Value, IsCalled = v.IsCalled } : s)
                    .ToList(),
            };
        }
        finally
        {
            File.Delete(listFile);
        }
    }

    /// <summary><c>pg_restore --list</c> of an archive read on stdin (pg_restore stops reading after the table of contents).</summary>
    public static async Task<string> ListAsync(Func<CancellationToken, Task<Stream>> openArchive, PgToolPaths tools, PgProcessRunner runner, CancellationToken ct)
    {
        await using var archive = await openArchive(ct);
        return await ListAsync(archive, tools, runner, ct);
    }

    public static async Task<string> ListAsync(Stream archive, PgToolPaths tools, PgProcessRunner runner, CancellationToken ct)
    {
        var list = await runner.RunAsync(new PgCommand(tools.PgRestore, ["--list"]) { StandardInput = archive }, null, ct);
        return list.EnsureSuccess().StdoutText ?? "";
    }

    /// <summary>Qualified sequence name (as setval prints it) -> value and is_called.</summary>
    public static Dictionary<string, (long Value, bool IsCalled)> Parse(string script) =>
        SetVal().Matches(script).ToDictionary(
            m => m.Groups[1].Value.Replace("''", "'", StringComparison.Ordinal),
            m => (long.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), m.Groups[3].Value == "true"));

    /// <summary>As pg_dump writes it: each part quoted only when it is not a plain lower-case identifier.</summary>
    public static string QualifiedName(string schema, string name) => $"{Ident(schema)}.{Ident(name)}";

    private static string Ident(string part) =>
        part.Length > 0 && (char.IsAsciiLetterLower(part[0]) || part[0] == '_')
        && part.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '$')
            ? part
            : "\"" + part.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}

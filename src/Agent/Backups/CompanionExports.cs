using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Ledger.Agent.Repositories;
using Ledger.Agent.Restores;
using Ledger.Contracts.Backups;
using Npgsql;

namespace Ledger.Agent.Backups;

/// <summary>
/// DecisionGraph's workflow exports as companions of a backup set. The workflows are chosen in the backup's snapshot:
/// the open ones (workflows.ex @open_statuses) and those changed (updated_at or last_action_at, parsed) since the
/// previous backup of the database. Each export is fetched with the admin token and stored next to the artifact in
/// <c>&lt;artifact&gt;.exports/&lt;tenant&gt;/&lt;workflow&gt;.json</c> with its SHA-256. With an active encryption key an
/// export is stored encrypted like the artifact (same format, same key id, recorded once for the backup set), and its size
/// and SHA-256 are those of the stored bytes. A failed export is recorded as such and never fails the backup.
/// </summary>
public static class CompanionExports
{
    /// <summary>Where a local artifact's exports are (<see cref="RepositoryKeys.ExportsFolderFor"/> of its key).</summary>
    public static string DirectoryFor(string artifactPath) => artifactPath + ".exports";

        /// <summary>The workflows to export, read on the snapshot's connection.</summary>
    public static async Task<IReadOnlyList<(string Tenant, string WorkflowId)>> ChooseAsync(NpgsqlConnection snapshot, DateTimeOffset? since, int max,
        CancellationToken ct)
    {
        var exists = await ProjectionState.QueryAsync(snapshot, "select pg_catalog.to_regclass('dg_workflow_items') is not null", r => r.GetBoolean(0), ct);
        if (!exists[0])
        {
            return [];
        }

        const string rfc3339 = @"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$";
        return await ProjectionState.QueryAsync(snapshot, $"""
            select tenant_id, workflow_id from (
                select tenant_id, workflow_id, status,
                       greatest(case when updated_at ~ '{rfc3339}' then updated_at::timestamptz end,
                                case when last_action_at ~ '{rfc3339}' then last_action_at::timestamptz end) as changed
                from dg_workflow_items) w
            where status in ('requested', 'in_review', 'changes_requested', 'escalated') or ($1::timestamptz is null or changed > $1)
            order by changed desc nulls last, tenant_id, workflow_id
            limit $2
            """, r => (r.GetString(0), r.GetString(1)), ct, since.HasValue ? since.Value : DBNull.Value, max);
    }

    /// <summary>
    /// When the previous complete backup of this database started (from the name of each artifact whose manifest exists,
    /// to the second), or null for the first one.
    /// </summary>
    public static async Task<DateTimeOffset?> PreviousBackupAtAsync(IBackupRepository repository, string folder, string currentKey, CancellationToken ct)
    {
        DateTimeOffset? newest = null;
        await foreach (var key in repository.ListAsync(folder, ct))
        {
            var name = key[folder.Length..];
            if (name.Contains('/', StringComparison.Ordinal) || !name.EndsWith(RepositoryKeys.ManifestSuffix, StringComparison.Ordinal)
                || RepositoryKeys.ManifestFor(currentKey) == key)
            {
                continue;
            }

            // <db>-<yyyyMMdd-HHmmss>-<guid>.json
            var stem = name[..^RepositoryKeys.ManifestSuffix.Length];
            if (stem.Length > 52 && DateTimeOffset.TryParseExact(stem[^52..^37], "yyyyMMdd-HHmmss", CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal, out var at) && (newest is null || at > newest))
            {
                newest = at;
            }
        }

        return newest;
    }

    public static async Task<IReadOnlyList<CompanionExport>> FetchAsync(DecisionGraphClient client, ManagedDatabaseOptions database,
        IBackupRepository repository, string artifactKey, IReadOnlyList<(string Tenant, string WorkflowId)> workflows, EncryptionKey? encryption,
        CancellationToken ct)
    {
        var exports = new List<CompanionExport>();
        var baseUrl = DecisionGraphClient.BaseOf(database.DecisionGraphUrl!);
        foreach (var (tenant, workflowId) in workflows)
        {
            try
            {
                var answer = await client.ExportWorkflowAsync(baseUrl, database.DecisionGraphToken!, tenant, workflowId, ct);
                if (answer.Status != 200)
                {
                    exports.Add(new CompanionExport(tenant, workflowId, CompanionExport.Failed, null, 0, null,
                        $"GET /api/v1/admin/workflows/{workflowId}/export answered {answer.Status}{DecisionGraphClient.ErrorOf(answer.Body)}"));
                    continue;
                }

                var plain = Encoding.UTF8.GetBytes(answer.Body);
                // An export holds the workflow's data: encrypted as the artifact is, and in a local repository with the same
                // modes (0700 directories, 0600 files).
                var bytes = encryption is null ? plain : await ArtifactEncryption.EncryptAsync(plain, encryption, ct);
                var key = RepositoryKeys.ExportsFolderFor(artifactKey) + FileName(tenant) + "/" + FileName(workflowId) + ".json";
                await repository.WriteAllAsync(key, bytes, ct);
                exports.Add(new CompanionExport(tenant, workflowId, CompanionExport.Stored, BackupRepositories.LocationOf(repository, key), bytes.Length,
                    Convert.ToHexStringLower(SHA256.HashData(bytes)), null));
            }
            catch (Exception e) when ((e is HttpRequestException or TaskCanceledException || BackupRepositories.IsStorageFailure(e)) && !ct.IsCancellationRequested)
            {
                exports.Add(new CompanionExport(tenant, workflowId, CompanionExport.Failed, null, 0, null, $"{e.GetType().Name}: {e.Message}"));
            }
        }

        return exports;
    }

    /// <summary>Every stored export re-hashed: the problems (missing file, SHA-256 mismatch), empty when all match.</summary>
    public static async Task<IReadOnlyList<string>> RehashAsync(BackupRepositories repositories, IReadOnlyList<CompanionExport>? exports, CancellationToken ct)
    {
        var problems = new List<string>();
        foreach (var export in exports?.Where(e => e.Status == CompanionExport.Stored) ?? [])
        {
            if (repositories.Resolve(null, null, export.Path, out _) is not var (repository, key))
            {
                problems.Add($"companion export {export.Tenant}/{export.WorkflowId}: its location is outside this agent's repositories");
                continue;
            }

            string actual;
            try
            {
                (actual, _) = await repositories.ReadAsync(repository, key, null, null, ct);
            }
            catch (Exception e) when (BackupRepositories.IsStorageFailure(e))
            {
                problems.Add($"companion export {export.Tenant}/{export.WorkflowId}: the file is missing");
                continue;
            }

            if (actual != export.Sha256)
            {
                problems.Add($"companion export {export.Tenant}/{export.WorkflowId}: SHA-256 mismatch (recorded {export.Sha256}, file has {actual})");
            }
        }

        return problems;
    }

    /// <summary>A file name for an id: letters, digits, '-', '_' and '.' kept, everything else as _XX (hex), so ids map one to one.</summary>
    public static string FileName(string id)
    {
        var name = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(id))
        {
            var c = (char)b;
            name.Append(b < 128 && (char.IsAsciiLetterOrDigit(c) || c is '-' or '.') ? c : "_" + b.ToString("x2", CultureInfo.InvariantCulture));
        }

        return name.ToString();
    }
}

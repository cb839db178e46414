using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Ledger.Agent.Restores;
using Ledger.Contracts.Backups;
using Npgsql;

namespace Ledger.Agent.Backups;

/// <summary>
/// DecisionGraph's workflow exports as companions of a backup set. The workflows are chosen in the backup's snapshot:
/// the open ones (workflows.ex @open_statuses) and those changed (updated_at or last_action_at, parsed) since the
/// previous backup of the database. Each export is fetched with the admin token and stored next to the artifact in
/// <c>&lt;artifact&gt;.exports/&lt;tenant&gt;/&lt;workflow&gt;.json</c> with its SHA-256. A failed export is recorded as such
/// and never fails the backup.
/// </summary>
public static class CompanionExports
{
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

    /// <summary>When the previous backup of this database was taken (its sidecar), or null for the first one.</summary>
    public static DateTimeOffset? PreviousBackupAt(string directory, string currentArtifact)
    {
        if (!Directory.Exists(directory))
        {
            return null;
        }

        return Directory.EnumerateFiles(directory, "*.dump")
            .Where(f => !string.Equals(Path.GetFullPath(f), Path.GetFullPath(currentArtifact), StringComparison.Ordinal))
            .Select(Artifacts.ReadSidecar)
            .Where(t => t is not null)
            .Select(t => (DateTimeOffset?)t!.StartedAt)
            .Max();
    }

    public static async Task<IReadOnlyList<CompanionExport>> FetchAsync(DecisionGraphClient client, ManagedDatabaseOptions database,
        string artifactPath, IReadOnlyList<(string Tenant, string WorkflowId)> workflows, CancellationToken ct)
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

                var bytes = Encoding.UTF8.GetBytes(answer.Body);
                var path = Path.Combine(DirectoryFor(artifactPath), FileName(tenant), FileName(workflowId) + ".json");
                // The same modes as the artifact (0700 directories, 0600 files): an export holds the workflow's data.
                Artifacts.EnsureDirectory(Path.GetDirectoryName(artifactPath)!, Path.GetDirectoryName(path)!);
                var partial = path + ".partial";
                await using (var file = Artifacts.CreateFile(partial))
                {
                    await file.WriteAsync(bytes, ct);
                    file.Flush(flushToDisk: true);
                }

                Artifacts.MoveDurably(partial, path, overwrite: true);
                exports.Add(new CompanionExport(tenant, workflowId, CompanionExport.Stored, path, bytes.Length,
                    Convert.ToHexStringLower(SHA256.HashData(bytes)), null));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException && !ct.IsCancellationRequested)
            {
                exports.Add(new CompanionExport(tenant, workflowId, CompanionExport.Failed, null, 0, null, $"{e.GetType().Name}: {e.Message}"));
            }
        }

        return exports;
    }

    /// <summary>Every stored export re-hashed: the problems (missing file, SHA-256 mismatch), empty when all match.</summary>
    public static async Task<IReadOnlyList<string>> RehashAsync(IReadOnlyList<CompanionExport>? exports, CancellationToken ct)
    {
        var problems = new List<string>();
        foreach (var export in exports?.Where(e => e.Status == CompanionExport.Stored) ?? [])
        {
            if (export.Path is null || !File.Exists(export.Path))
            {
                problems.Add($"companion export {export.Tenant}/{export.WorkflowId}: the file is missing");
                continue;
            }

            var actual = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(export.Path, ct)));
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

using System.Globalization;
using System.Text.Json;
using Ledger.Contracts.Backups;

namespace Ledger.Agent.Backups;

/// <summary>
/// Where artifacts live in the repository, and the sidecar that marks one complete:
/// <c>&lt;env&gt;/&lt;db&gt;/&lt;db&gt;-&lt;UTC yyyyMMdd-HHmmss&gt;-&lt;backup id&gt;.dump</c> plus <c>.json</c> beside it.
/// In-progress files are hidden (<c>.name.partial</c>) and never carry the final name.
/// </summary>
public static class Artifacts
{
    public const string PartialSuffix = ".partial";
    private static readonly JsonSerializerOptions SidecarJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string DirectoryFor(string repository, string environment, string database) =>
        Path.Combine(repository, environment, database);

    public static string FileNameFor(string database, DateTimeOffset startedAt, Guid backupId) =>
        $"{database}-{startedAt.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}-{backupId}.dump";

    public static string PartialPathFor(string finalPath) =>
        Path.Combine(Path.GetDirectoryName(finalPath)!, "." + Path.GetFileName(finalPath) + PartialSuffix);

    public static string SidecarPathFor(string artifactPath) => Path.ChangeExtension(artifactPath, ".json");

    /// <summary>Writes the sidecar through a hidden temporary file and an atomic rename.</summary>
    public static async Task WriteSidecarAsync(BackupTaken taken, CancellationToken ct)
    {
        var path = SidecarPathFor(taken.ArtifactPath);
        var partial = PartialPathFor(path);
        await using (var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            await JsonSerializer.SerializeAsync(file, taken, SidecarJson, ct);
            await file.FlushAsync(ct);
            file.Flush(flushToDisk: true);
        }

        File.Move(partial, path);
    }

    public static BackupTaken? ReadSidecar(string artifactPath) =>
        File.Exists(SidecarPathFor(artifactPath))
            ? JsonSerializer.Deserialize<BackupTaken>(File.ReadAllText(SidecarPathFor(artifactPath)), SidecarJson)
            : null;

    public static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }
}

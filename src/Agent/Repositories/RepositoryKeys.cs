namespace Ledger.Agent.Repositories;

/// <summary>
/// The keys of a backup set inside a repository: <c>&lt;env&gt;/&lt;db&gt;/&lt;db&gt;-&lt;UTC yyyyMMdd-HHmmss&gt;-&lt;backup id&gt;.dump</c>,
/// its manifest (<c>.json</c>) beside it and its companion exports under <c>.dump.exports/</c>.
/// </summary>
public static class RepositoryKeys
{
    public const string ArtifactSuffix = ".dump";
    public const string ManifestSuffix = ".json";

    public static string FolderFor(string environment, string database) => $"{environment}/{database}/";

    public static string ArtifactFor(string environment, string database, DateTimeOffset startedAt, Guid backupId) =>
        FolderFor(environment, database) + Backups.Artifacts.FileNameFor(database, startedAt, backupId);

    public static string ManifestFor(string artifactKey) =>
        (artifactKey.EndsWith(ArtifactSuffix, StringComparison.Ordinal) ? artifactKey[..^ArtifactSuffix.Length] : artifactKey) + ManifestSuffix;

    public static string ExportsFolderFor(string artifactKey) => artifactKey + ".exports/";

    /// <summary>
    /// A key DgLedger could have written: relative, '/'-separated, no empty, "." or ".." segment, letters, digits and
    /// <c>-_.</c> only. Anything else (a path outside the repository, a forged command) is refused.
    /// </summary>
    public static bool IsSafe(string? key) =>
        key is { Length: > 0 and <= 1024 }
        && key.Split('/').All(segment => segment.Length > 0 && segment is not ("." or "..")
                                          && segment.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'));
}

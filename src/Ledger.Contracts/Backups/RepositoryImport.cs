using System.Text.Json.Serialization;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Common;

namespace Ledger.Contracts.Backups;

/// <summary>Body of <c>POST /api/v1/repository/imports</c>: rebuild the restore points of an environment from a repository.</summary>
public sealed record RequestRepositoryImport(string Environment, string Repository);

/// <summary>Sent by the ledger to the environment's queue: list the repository's manifests of that environment and check them.</summary>
public sealed record ImportRepository(Guid ImportId, string Environment, string Repository, DateTimeOffset RequestedAt);

/// <summary>A manifest the agent would not vouch for: its key and why (its artifact is missing, or does not hash to the manifest's SHA-256).</summary>
public sealed record RefusedManifest(string Key, string Reason);

/// <summary>
/// The agent's answer to <see cref="ImportRepository"/>: every manifest of the environment whose artifact exists and
/// hashes to the recorded SHA-256 and size, and every one refused; or why the repository could not be read at all.
/// </summary>
public sealed record RepositoryScanned(
    Guid ImportId,
    string AgentId,
    string Environment,
    string Repository,
    IReadOnlyList<BackupManifest> Manifests,
    IReadOnlyList<RefusedManifest> Refused,
    string? Failure,
    DateTimeOffset ScannedAt) : IAgentReport;

[JsonConverter(typeof(WireEnumConverter<ImportStatus>))]
public enum ImportStatus
{
    [JsonStringEnumMemberName("pending")] Pending,
    [JsonStringEnumMemberName("imported")] Imported,
    [JsonStringEnumMemberName("failed")] Failed,
}

/// <summary>
/// One import run as the ledger keeps it: which backups were rebuilt, which the ledger already knew (nothing is added
/// for them), and which manifests were refused, each named with the reason.
/// </summary>
public sealed record RepositoryImportRun
{
    public Guid Id { get; init; }
    public string Environment { get; init; } = "";
    public string Repository { get; init; } = "";
    public string RequestedBy { get; init; } = "";
    public DateTimeOffset RequestedAt { get; init; }
    public ImportStatus Status { get; init; }
    public string? AgentId { get; init; }
    public IReadOnlyList<Guid> Imported { get; init; } = [];
    public IReadOnlyList<Guid> AlreadyKnown { get; init; } = [];
    public IReadOnlyList<RefusedManifest> Refused { get; init; } = [];
    public string? Failure { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
}

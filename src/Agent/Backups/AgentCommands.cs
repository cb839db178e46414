using Ledger.Contracts.Backups;

namespace Ledger.Agent.Backups;

/// <summary>Agent-internal step: run pg_dump for an accepted request (durable local queue).</summary>
public sealed record DumpDatabase(TakeBackup Request);

/// <summary>Agent-internal step: verify a freshly taken artifact.</summary>
public sealed record VerifyBackup(BackupTaken Taken);

/// <summary>Agent-internal step: copy a verified artifact to every further repository (Agent:Copies).</summary>
public sealed record CopyBackup(BackupTaken Taken, DateTimeOffset VerifiedAt);

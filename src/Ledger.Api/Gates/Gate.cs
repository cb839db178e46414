using Ledger.Contracts.Gates;

namespace Ledger.Api.Gates;

/// <summary>Decision state of a gate stream (one per environment, database and target release).</summary>
public sealed record Gate(Guid Id, int Attempt, GateStatus Status, Guid? BackupId, DateTimeOffset? DecidedAt)
{
    public static Gate Create(GateRequested e) => new(e.GateId, e.Attempt, GateStatus.Pending, e.BackupId, null);

    public Gate Apply(GateRequested e) => new(e.GateId, e.Attempt, GateStatus.Pending, e.BackupId, null);
    public Gate Apply(GateOpened e) => this with { Status = GateStatus.Open, BackupId = e.BackupId, DecidedAt = e.OpenedAt };
    public Gate Apply(GateDenied e) => this with { Status = GateStatus.Denied, DecidedAt = e.DeniedAt };
    public Gate Apply(GateExpired e) => this with { Status = GateStatus.Expired, DecidedAt = e.ExpiredAt };

    /// <summary>Only the pending attempt a message was meant for may be decided by it: redelivery changes nothing.</summary>
    public bool Awaits(int attempt) => Status == GateStatus.Pending && Attempt == attempt;
}

using Ledger.Contracts.Gates;
using Wolverine.Marten;

namespace Ledger.Api.Gates;

/// <summary>
/// The gate's process manager: one handler per message, each deciding only the pending attempt it was meant for,
/// so a redelivered or late message (a backup finishing after the deadline, a timeout after the gate opened) changes nothing.
/// </summary>
public static class GateHandler
{
    [AggregateHandler]
    public static IEnumerable<object> Handle(GateBackupFinished message, Gate gate, DateTimeOffset now)
    {
        if (gate.Status != GateStatus.Pending || gate.BackupId != message.BackupId)
        {
            yield break;
        }

        if (message.Verified)
        {
            var age = (long)Math.Max(0, (now - message.SnapshotAt).TotalSeconds);
            yield return new GateOpened(gate.Id, gate.Attempt, message.BackupId, age, message.FinishedAt,
                $"Pre-upgrade backup {message.BackupId} was taken and verified.", now);
        }
        else
        {
            yield return new GateDenied(gate.Id, gate.Attempt, message.BackupId,
                $"The pre-upgrade backup {message.BackupId} did not succeed: {message.FailureReason}", now);
        }
    }

    [AggregateHandler]
    public static IEnumerable<object> Handle(GateTimedOut message, Gate gate, DateTimeOffset now)
    {
        if (gate.Awaits(message.Attempt))
        {
            yield return new GateExpired(gate.Id, gate.Attempt, gate.BackupId,
                $"The pre-upgrade backup {gate.BackupId} was not verified before the gate's deadline.", now);
        }
    }
}

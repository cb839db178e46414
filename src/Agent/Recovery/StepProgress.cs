namespace Ledger.Agent.Recovery;

/// <summary>
/// A running step's handle on its journal entry: <see cref="At"/> records, durably and before the step acts, the phase
/// it enters (and what a restart must clean up or put back).
/// </summary>
public sealed class StepProgress(OperationJournal journal, JournalEntry entry, TimeProvider clock)
{
    public JournalEntry Entry { get; private set; } = entry;

    public OperationJournal Journal => journal;

    /// <summary>The step enters <paramref name="phase"/>; a backup's artifact path is recorded with it once chosen.</summary>
    public void At(string phase, string? artifactPath = null) =>
        Entry = journal.Write(Entry with { Phase = phase, ArtifactPath = artifactPath ?? Entry.ArtifactPath, UpdatedAt = clock.GetUtcNow() });

    /// <summary>Saves a restore target's settings before the agent changes them (an entry of its own, until the target is reopened).</summary>
    public void Hold(TargetHold hold) =>
        journal.Write(new JournalEntry
        {
            Step = Steps.Hold, Id = Entry.Id, Status = StepStatus.Running, Phase = Entry.Phase, StartedAt = clock.GetUtcNow(),
            UpdatedAt = clock.GetUtcNow(), Hold = hold,
        });

    /// <summary>The target is as it was again: its hold is forgotten.</summary>
    public void Release() => journal.Remove(Steps.Hold, Entry.Id);
}

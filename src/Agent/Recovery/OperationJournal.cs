using System.Text.Json;
using Ledger.Agent.Backups;

namespace Ledger.Agent.Recovery;

/// <summary>A message kept in the journal: its type and its JSON, so it can be replayed exactly.</summary>
public sealed record StoredMessage(string Type, JsonElement Body)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static StoredMessage Of(object message) =>
        new(message.GetType().AssemblyQualifiedName!, JsonSerializer.SerializeToElement(message, message.GetType(), Json));

    public object ToMessage() =>
        Body.Deserialize(System.Type.GetType(Type, throwOnError: true)!, Json)!;
}

/// <summary>Where a step stands in the journal.</summary>
public enum StepStatus
{
    /// <summary>The step is (or was, when the agent died) doing its work.</summary>
    Running,

    /// <summary>The step finished; <see cref="JournalEntry.Outcome"/> holds what it reported, replayed on redelivery.</summary>
    Done,

    /// <summary>The agent died during the step; recovery reported it failed, and a redelivery reports the same.</summary>
    Interrupted,
}

/// <summary>
/// A restore target's connection settings as the agent found them, saved before it changes them, and everything
/// needed to put them back after a crash.
/// </summary>
public sealed record TargetHold(string Environment, string HostDatabase, string TargetDatabase, bool TargetExisted,
    bool PreviousAllowConnections, int PreviousConnectionLimit);

/// <summary>
/// One step of the agent's work (dump, verify, prepare, pg_restore, verify-restore, plan, drop) as the journal knows it.
/// </summary>
public sealed record JournalEntry
{
    public string Step { get; init; } = "";
    public Guid Id { get; init; }
    public StepStatus Status { get; init; }
    /// <summary>The fail-point name of the phase the step was last in (snapshot-export, mid-dump, ...).</summary>
    public string Phase { get; init; } = "";
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    /// <summary>The message that started the step.</summary>
    public StoredMessage? Message { get; init; }
    /// <summary>For a backup: the artifact's final path, once chosen (its partial and sidecar follow from it).</summary>
    public string? ArtifactPath { get; init; }
    /// <summary>For a restore: the target's settings before the agent changed them.</summary>
    public TargetHold? Hold { get; init; }
    /// <summary>What the step reported when it finished (Done), or the failure recovery reported (Interrupted).</summary>
    public IReadOnlyList<StoredMessage> Outcome { get; init; } = [];
    /// <summary>For an interrupted step: whether recovery has handed its failure report to the outbox.</summary>
    public bool Reported { get; init; }
}

/// <summary>
/// The agent's durable memory of its own work, one small JSON file per step in <c>&lt;state&gt;/journal</c>, each
/// written through a temporary file, fsynced and renamed (the directory fsynced too): written before the step
/// changes anything, so that a restarted agent knows what it was doing, what it must put back (a restore target's
/// connection settings) and what it already reported (a redelivered step replays its outcome instead of doing its harm
/// twice). Entries of finished steps are kept for <see cref="Retention"/>.
/// </summary>
public sealed class OperationJournal
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(7);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private readonly Lock _gate = new();

    public OperationJournal(string stateDirectory)
    {
        Directory = Path.Combine(stateDirectory, "journal");
        Artifacts.EnsureDirectory(stateDirectory, Directory);
    }

    public string Directory { get; }

    public JournalEntry? Find(string step, Guid id)
    {
        var path = PathFor(step, id);
        lock (_gate)
        {
            return File.Exists(path) ? Read(path) : null;
        }
    }

    /// <summary>Records that <paramref name="step"/> starts (or moves to a new phase), durably, before it acts.</summary>
    public JournalEntry Write(JournalEntry entry)
    {
        var path = PathFor(entry.Step, entry.Id);
        var partial = Artifacts.PartialPathFor(path);
        lock (_gate)
        {
            Artifacts.DeleteQuietly(partial);
            using (var file = Artifacts.CreateFile(partial))
            {
                JsonSerializer.Serialize(file, entry, Json);
                file.Flush(flushToDisk: true);
            }

            Artifacts.MoveDurably(partial, path, overwrite: true);
        }

        return entry;
    }

    public JournalEntry Begin(string step, Guid id, string phase, object message, DateTimeOffset now) =>
        Write(new JournalEntry { Step = step, Id = id, Status = StepStatus.Running, Phase = phase, StartedAt = now, UpdatedAt = now,
            Message = StoredMessage.Of(message) });

    public JournalEntry Advance(JournalEntry entry, string phase, DateTimeOffset now) =>
        Write(entry with { Phase = phase, UpdatedAt = now });

    /// <summary>The step finished with <paramref name="outcome"/>: kept to replay on redelivery.</summary>
    public object[] Finish(JournalEntry entry, object[] outcome, DateTimeOffset now)
    {
        Write(entry with { Status = StepStatus.Done, UpdatedAt = now, Hold = null, Outcome = outcome.Select(StoredMessage.Of).ToList() });
        return outcome;
    }

    /// <summary>Forgets an entry (a hold once its target is reopened).</summary>
    public void Remove(string step, Guid id)
    {
        lock (_gate)
        {
            Artifacts.DeleteQuietly(PathFor(step, id));
        }
    }

    /// <summary>
    /// Runs one step at most once per id: a step already finished replays its recorded outcome, an interrupted one
    /// its failure report, and one still running elsewhere in this process reports nothing. Otherwise the entry is
    /// written (durably) before <paramref name="work"/> starts, and its outcome recorded when it ends.
    /// </summary>
    public async Task<object[]> RunOnceAsync(string step, Guid id, string phase, object message, TimeProvider clock,
        Func<StepProgress, Task<object[]>> work)
    {
        if (Find(step, id) is { } known)
        {
            return known.Status == StepStatus.Running ? [] : Replay(known);
        }

        var progress = new StepProgress(this, Begin(step, id, phase, message, clock.GetUtcNow()), clock);
        var outcome = await work(progress);
        return Finish(progress.Entry, outcome, clock.GetUtcNow());
    }

    /// <summary>The messages an entry recorded, as they were sent.</summary>
    public static object[] Replay(JournalEntry entry) => entry.Outcome.Select(o => o.ToMessage()).ToArray();

    /// <summary>Every entry, oldest first.</summary>
    public IReadOnlyList<JournalEntry> All()
    {
        lock (_gate)
        {
            return System.IO.Directory.EnumerateFiles(Directory, "*.json")
                .Select(path =>
                {
                    try
                    {
                        return Read(path);
                    }
                    catch (JsonException)
                    {
                        return null;
                    }
                })
                .OfType<JournalEntry>()
                .OrderBy(e => e.StartedAt)
                .ToList();
        }
    }

    /// <summary>Removes finished or interrupted entries older than <see cref="Retention"/>, and torn temporary files.</summary>
    public int Prune(DateTimeOffset now)
    {
        var removed = 0;
        lock (_gate)
        {
            foreach (var partial in System.IO.Directory.EnumerateFiles(Directory, "*" + Artifacts.PartialSuffix))
            {
                Artifacts.DeleteQuietly(partial);
            }
        }

        foreach (var entry in All().Where(e => e.Status != StepStatus.Running && now - e.UpdatedAt > Retention))
        {
            Artifacts.DeleteQuietly(PathFor(entry.Step, entry.Id));
            removed++;
        }

        return removed;
    }

    private string PathFor(string step, Guid id) => Path.Combine(Directory, $"{step}-{id:N}.json");

    private static JournalEntry? Read(string path) => JsonSerializer.Deserialize<JournalEntry>(File.ReadAllText(path), Json);
}

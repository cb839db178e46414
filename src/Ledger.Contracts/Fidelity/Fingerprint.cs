namespace Ledger.Contracts.Fidelity;

/// <summary>
/// What a database is, at one consistent snapshot, computed inside the server: every table's row count and an
/// order-independent content hash, every sequence's value, and every schema object's definition. Two databases
/// with equal fingerprints hold the same data and schema. Stored with each backup (event and sidecar).
/// </summary>
public sealed record DatabaseFingerprint(
    string Database,
    string ServerVersion,
    IReadOnlyList<TableFingerprint> Tables,
    IReadOnlyList<SequenceValue> Sequences,
    IReadOnlyList<SchemaObject> SchemaObjects,
    string SchemaHash,
    DateTimeOffset CapturedAt,
    long DurationMs,
    DecisionGraphMarks? Marks = null);

/// <summary>
/// What a DecisionGraph database's newest rows were at one snapshot, read in SQL (never through DecisionGraph, whose
/// reads write): the newest dg_event_log row, the newest trace summary (DecisionGraph's own order: last_log_seq DESC,
/// trace_id ASC) and the newest workflow activity (updated_at or last_action_at, parsed as RFC 3339, not compared as
/// text). A backup records them at its snapshot; a restore reads them again to judge whether the restored point in time
/// is the backup's. Times are kept as the database's text. <see cref="Problem"/> says why a reading is missing.
/// </summary>
public sealed record DecisionGraphMarks(
    long? NewestLogSeq,
    string? NewestEventTenant,
    string? NewestRecordedAt,
    string? NewestTraceTenant,
    string? NewestTraceId,
    long? NewestTraceLastLogSeq,
    string? NewestWorkflowId,
    string? NewestWorkflowActivity,
    string? Problem = null);

/// <summary>
/// One table. <see cref="ContentHash"/> is independent of row order and distinguishes NULL from an empty string.
/// <see cref="KeyColumns"/> is the primary key, else the first unique index over NOT NULL columns, else empty.
/// </summary>
public sealed record TableFingerprint(string Schema, string Table, long Rows, string ContentHash, IReadOnlyList<string> KeyColumns);

public sealed record SequenceValue(string Schema, string Name, long LastValue, bool IsCalled);

/// <summary>
/// A schema object and its full definition, e.g. ("column", "public.dg_event_log.log_seq", "bigint not null default
/// nextval(...)"), ("index", "public.dg_event_log_pkey", "CREATE UNIQUE INDEX ..."), ("trigger", ...), ("function", ...),
/// ("view", ...), ("constraint", ...), ("table", ...), ("sequence", ...).
/// </summary>
public sealed record SchemaObject(string Kind, string Name, string Definition);

/// <summary>The answer of a diff: identical, or what differs, table by table.</summary>
public sealed record FingerprintDiff(
    bool Identical,
    IReadOnlyList<TableDifference> Tables,
    IReadOnlyList<SequenceDifference> Sequences,
    IReadOnlyList<SchemaDifference> Schema);

/// <summary>
/// Kind: "missing" (in source, not target), "extra" (in target only), "row-count", "content".
/// <see cref="DifferingKeys"/>: up to 20 keys (rendered as text) of rows that differ, when the table has a key and the
/// source is a live database.
/// </summary>
public sealed record TableDifference(
    string Schema, string Table, string Kind, long? SourceRows, long? TargetRows, IReadOnlyList<string> DifferingKeys);

public sealed record SequenceDifference(string Schema, string Name, long? SourceValue, long? TargetValue);

/// <summary>Change: "missing", "extra" or "changed" (with both definitions).</summary>
public sealed record SchemaDifference(string Kind, string Name, string Change, string? SourceDefinition, string? TargetDefinition);

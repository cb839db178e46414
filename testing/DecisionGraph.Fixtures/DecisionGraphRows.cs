namespace DecisionGraph.Fixtures;

// One record per table row, in the column order of fixtures/decisiongraph/schema.sql. Times that the schema stores
// as timestamptz are UTC DateTimes; the event log's own times are ISO-8601 text, as producers send them.

public readonly record struct EventLogRow(
    long LogSeq,
    string TenantId,
    Guid EventId,
    string TraceId,
    int TraceSeq,
    string EventType,
    string OccurredAt,
    string RecordedAt,
    string Producer,
    string SourceSystem,
    string? SourceSubsystem,
    string ActorType,
    string? ActorId,
    string? CorrelationId,
    string? CausationId,
    string? IdempotencyKey,
    int SchemaVersion,
    string PayloadJson,
    string PayloadHash,
    string? TagsJson);

public readonly record struct ProjectionCursorRow(
    string TenantId, string ProjectionName, long LastLogSeq, long EventsApplied, DateTime UpdatedAt);

public readonly record struct GraphNodeRow(
    long NodeId,
    string TenantId,
    string NodeType,
    string NaturalKey,
    string? Label,
    string PropertiesJson,
    long FirstSeenLogSeq,
    long LastSeenLogSeq,
    DateTime CreatedAt);

public readonly record struct GraphEdgeRow(
    string TenantId, long FromNodeId, long ToNodeId, string EdgeType, decimal Weight, long LogSeq, DateTime CreatedAt);

public readonly record struct TraceSummaryRow(
    string TenantId,
    string TraceId,
    int EventCount,
    long FirstLogSeq,
    long LastLogSeq,
    DateTime StartedAt,
    DateTime? FinishedAt,
    string Status,
    string? Outcome,
    string LastEventType,
    int PolicyEvaluations,
    int Exceptions,
    bool HasApproval,
    decimal? CommittedAmount,
    DateTime UpdatedAt);

public readonly record struct PolicyEvalRow(
    string TenantId,
    long LogSeq,
    string TraceId,
    string PolicyId,
    int PolicyVersion,
    string Decision,
    decimal Score,
    string? RuleHitsJson,
    DateTime EvaluatedAt);

public readonly record struct PrecedentRow(
    Guid PrecedentId,
    string TenantId,
    string CitingTraceId,
    string CitedTraceId,
    long LogSeq,
    double Similarity,
    DateTime CitedAt,
    string? Rationale);

public readonly record struct ProjectionDigestRow(
    string TenantId, string ProjectionName, long AtLogSeq, byte[] Digest, long EventsCovered, DateTime ComputedAt);

public readonly record struct ProjectionFailureRow(
    string TenantId,
    string ProjectionName,
    long LogSeq,
    string ErrorClass,
    string ErrorMessage,
    DateTime FailedAt,
    int Attempts,
    bool Resolved);

public readonly record struct ProjectionRunRow(
    long RunId,
    string ProjectionName,
    string TenantId,
    long FromLogSeq,
    long ToLogSeq,
    int EventsProcessed,
    DateTime StartedAt,
    DateTime FinishedAt,
    int DurationMs,
    string Status,
    string Worker);

public readonly record struct WorkflowRuntimeRow(
    string TenantId,
    string WorkflowName,
    int Version,
    string StateJson,
    bool Paused,
    string? LeaseOwner,
    DateTime? LeaseExpiresAt,
    DateTime HeartbeatAt,
    int OpenItems);

public readonly record struct WorkflowItemRow(
    Guid ItemId,
    string TenantId,
    string TraceId,
    long SourceLogSeq,
    string WorkflowName,
    string Kind,
    string State,
    short Priority,
    string? Assignee,
    DateTime CreatedAt,
    DateTime DueAt,
    DateTime? ClosedAt,
    string DetailsJson,
    string? Note);

public readonly record struct WorkflowActionRow(
    long ActionId,
    Guid? ItemId,
    string TenantId,
    string TraceId,
    long? LogSeq,
    string ActionType,
    string? ActorId,
    DateTime ActedAt,
    decimal? Amount,
    string? Currency,
    string? Body);

public readonly record struct WorkflowNotificationRow(
    string TenantId,
    Guid ItemId,
    string Channel,
    string Recipient,
    int Attempt,
    DateTime? SentAt,
    bool Delivered,
    byte[] Body,
    DateTime CreatedAt);

/// <summary>
/// Where <see cref="DecisionGraphGenerator"/> puts rows: one method per table, called in the order the rows are made.
/// The generator never holds a table in memory, so a sink that streams keeps memory flat however many traces there are.
/// </summary>
public interface IDecisionGraphSink
{
    void EventLog(in EventLogRow row);

    void ProjectionCursor(in ProjectionCursorRow row);

    void GraphNode(in GraphNodeRow row);

    void GraphEdge(in GraphEdgeRow row);

    void TraceSummary(in TraceSummaryRow row);

    void PolicyEval(in PolicyEvalRow row);

    void Precedent(in PrecedentRow row);

    void ProjectionDigest(in ProjectionDigestRow row);

    void ProjectionFailure(in ProjectionFailureRow row);

    void ProjectionRun(in ProjectionRunRow row);

    void WorkflowRuntime(in WorkflowRuntimeRow row);

    void WorkflowItem(in WorkflowItemRow row);

    void WorkflowAction(in WorkflowActionRow row);

    void WorkflowNotification(in WorkflowNotificationRow row);
}

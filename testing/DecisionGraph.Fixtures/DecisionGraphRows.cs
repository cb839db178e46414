namespace DecisionGraph.Fixtures;

// One record per table row, in the column order of fixtures/decisiongraph/schema.sql (DecisionGraph's BEAM migrations
// 20260307000100..000600). Every application timestamp is RFC 3339 text, as DecisionGraph writes it; JSON is text.

public readonly record struct EventLogRow(
    long LogSeq,
    string TenantId,
    string EventId,
    string TraceId,
    int TraceSeq,
    string EventType,
    string OccurredAt,
    string RecordedAt,
    string ProducerId,
    string SourceSystem,
    string? SourceSubsystem,
    string ActorType,
    string ActorId,
    string? CorrelationId,
    string? CausationEventId,
    string IdempotencyKey,
    int SchemaVersion,
    string PayloadJson,
    string PayloadHash,
    string TagsJson);

public readonly record struct ProjectionCursorRow(string TenantId, string ProjectionName, long LastLogSeq, string UpdatedAt);

public readonly record struct GraphNodeRow(
    string TenantId, string NodeId, string NodeType, string TraceId, long LogSeq, string CreatedAt, string MetadataJson);

public readonly record struct GraphEdgeRow(
    string TenantId, string EdgeId, string EdgeType, string FromNodeId, string ToNodeId, string TraceId, long LogSeq, string CreatedAt,
    string MetadataJson);

public readonly record struct TraceSummaryRow(
    string TenantId,
    string TraceId,
    string Workflow,
    string Title,
    string? PrimaryEntityType,
    string? PrimaryEntitySystem,
    string? PrimaryEntityId,
    string? Outcome,
    string StartedAt,
    string? FinishedAt,
    int EventCount,
    long LastLogSeq);

public readonly record struct PolicyEvalRow(
    string TenantId, string IndexId, string TraceId, string PolicyId, string PolicyVersion, long LogSeq, string CreatedAt);

public readonly record struct PrecedentRow(
    string TenantId,
    string SourceEventId,
    long LogSeq,
    string TraceId,
    string PolicyId,
    string PolicyVersion,
    string? ExceptionId,
    string? PrimaryEntityType,
    string? PrimaryEntitySystem,
    string? PrimaryEntityId);

public readonly record struct ProjectionDigestRow(string TenantId, string ProjectionName, string DigestValue, long LastLogSeq, string UpdatedAt);

public readonly record struct ProjectionFailureRow(
    Guid Id,
    string TenantId,
    string ProjectionName,
    long LogSeq,
    string TraceId,
    string EventId,
    string ErrorCode,
    string ErrorMessage,
    bool Recoverable,
    int RetryCount,
    string Status,
    string MetadataJson,
    string RecordedAt,
    string? ResolvedAt);

public readonly record struct ProjectionRunRow(
    string JobId,
    string TenantId,
    string ProjectionName,
    string Mode,
    string Status,
    string RequestedAt,
    string? StartedAt,
    string? FinishedAt,
    long SinceLogSeq,
    long? UntilLogSeq,
    int ProcessedEvents,
    long LastLogSeq,
    string? ErrorCode,
    string? ErrorMessage,
    string MetadataJson);

public readonly record struct WorkflowRuntimeRow(string TenantId, long LastLogSeq, string UpdatedAt);

public readonly record struct WorkflowItemRow(
    string WorkflowId,
    string TenantId,
    string TraceId,
    string WorkflowKind,
    string? WorkflowName,
    string SubjectType,
    string SubjectId,
    string Status,
    string Priority,
    string Title,
    string? PolicyId,
    string? PolicyVersion,
    string? RequestedByActorId,
    string? RequestedByActorType,
    string? AssignedAccountId,
    string? AssignedRole,
    string RequestedAt,
    string? SlaDueAt,
    string UpdatedAt,
    string? ResolvedAt,
    string? LastActionType,
    string? LastActionAt,
    string? CurrentDecision,
    string? CurrentReason,
    string? ApprovalEventId,
    string CreatedFromEventId,
    long LastSourceLogSeq,
    string MetadataJson);

public readonly record struct WorkflowActionRow(
    string ActionId,
    string TenantId,
    string WorkflowId,
    string TraceId,
    string ActionType,
    string? ActorId,
    string? ActorType,
    string? ActorAccountId,
    string? Note,
    string PayloadJson,
    string? SourceEventId,
    string? ResultingStatus,
    string CreatedAt);

public readonly record struct WorkflowNotificationRow(
    string NotificationId,
    string TenantId,
    string WorkflowId,
    string TraceId,
    string Category,
    string Channel,
    string Status,
    string Message,
    string? RecipientAccountId,
    string? RecipientRole,
    string PayloadJson,
    string DedupeKey,
    string CreatedAt,
    string DeliveredAt);

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

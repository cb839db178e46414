namespace DecisionGraph.Fixtures;

/// <summary>The DecisionGraph-shaped schema (fixtures/decisiongraph/schema.sql, embedded) and the names in it.</summary>
public static class DecisionGraphSchema
{
    internal const string ResourceName = "decisiongraph-schema.sql";

    public const string EventLog = "dg_event_log";
    public const string ProjectionCursors = "dg_projection_cursors";
    public const string GraphNodes = "dg_cg_nodes";
    public const string GraphEdges = "dg_cg_edges";
    public const string TraceSummary = "dg_trace_summary";
    public const string PolicyEvalIndex = "dg_policy_eval_index";
    public const string PrecedentIndex = "dg_precedent_index";
    public const string ProjectionDigests = "dg_projection_digests";
    public const string ProjectionFailures = "dg_projection_failures";
    public const string ProjectionRuns = "dg_projection_runs";
    public const string WorkflowRuntime = "dg_workflow_runtime";
    public const string WorkflowItems = "dg_workflow_items";
    public const string WorkflowActions = "dg_workflow_actions";
    public const string WorkflowNotifications = "dg_workflow_notifications";

    /// <summary>Every table the schema creates, the event log first.</summary>
    public static IReadOnlyList<string> Tables { get; } =
    [
        EventLog, ProjectionCursors, GraphNodes, GraphEdges, TraceSummary, PolicyEvalIndex, PrecedentIndex,
        ProjectionDigests, ProjectionFailures, ProjectionRuns, WorkflowRuntime, WorkflowItems, WorkflowActions,
        WorkflowNotifications,
    ];

    /// <summary>The event types the event log's CHECK constraint allows.</summary>
    public static IReadOnlyList<string> EventTypes { get; } =
    [
        "TraceStarted", "InputObserved", "EntityObserved", "PolicyEvaluated", "ExceptionRequested", "ApprovalRecorded",
        "WorkflowReviewRequested", "PrecedentCited", "ActionProposed", "ActionCommitted", "TraceFinished",
    ];

    /// <summary>The schema script: idempotent, safe to run on a database that already has it.</summary>
    public static string Sql()
    {
        using var stream = typeof(DecisionGraphSchema).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing from the CLI assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

using DecisionGraph.Fixtures;

namespace Ledger.Tests.Seeding;

/// <summary>Keeps every row the generator writes, per table, for tests with a few hundred traces.</summary>
public sealed class RecordingSink : IDecisionGraphSink
{
    public List<EventLogRow> Events { get; } = [];
    public List<ProjectionCursorRow> Cursors { get; } = [];
    public List<GraphNodeRow> Nodes { get; } = [];
    public List<GraphEdgeRow> Edges { get; } = [];
    public List<TraceSummaryRow> Summaries { get; } = [];
    public List<PolicyEvalRow> PolicyEvals { get; } = [];
    public List<PrecedentRow> Precedents { get; } = [];
    public List<ProjectionDigestRow> Digests { get; } = [];
    public List<ProjectionFailureRow> Failures { get; } = [];
    public List<ProjectionRunRow> Runs { get; } = [];
    public List<WorkflowRuntimeRow> Runtime { get; } = [];
    public List<WorkflowItemRow> Items { get; } = [];
    public List<WorkflowActionRow> Actions { get; } = [];
    public List<WorkflowNotificationRow> Notifications { get; } = [];

    public static RecordingSink Generate(SeedOptions options)
    {
        var sink = new RecordingSink();
        new DecisionGraphGenerator(options).Run(sink);
        return sink;
    }

    /// <summary>Every row of every table as text, table by table in the order written.</summary>
    public IReadOnlyDictionary<string, List<string>> Tables() => new Dictionary<string, List<string>>
    {
        [DecisionGraphSchema.EventLog] = [.. Events.Select(r => r.ToString())],
        [DecisionGraphSchema.ProjectionCursors] = [.. Cursors.Select(r => r.ToString())],
        [DecisionGraphSchema.GraphNodes] = [.. Nodes.Select(r => r.ToString())],
        [DecisionGraphSchema.GraphEdges] = [.. Edges.Select(r => r.ToString())],
        [DecisionGraphSchema.TraceSummary] = [.. Summaries.Select(r => r.ToString())],
        [DecisionGraphSchema.PolicyEvalIndex] = [.. PolicyEvals.Select(r => r.ToString())],
        [DecisionGraphSchema.PrecedentIndex] = [.. Precedents.Select(r => r.ToString())],
        [DecisionGraphSchema.ProjectionDigests] = [.. Digests.Select(r => r.ToString())],
        [DecisionGraphSchema.ProjectionFailures] = [.. Failures.Select(r => r.ToString())],
        [DecisionGraphSchema.ProjectionRuns] = [.. Runs.Select(r => r.ToString())],
        [DecisionGraphSchema.WorkflowRuntime] = [.. Runtime.Select(r => r.ToString())],
        [DecisionGraphSchema.WorkflowItems] = [.. Items.Select(r => r.ToString())],
        [DecisionGraphSchema.WorkflowActions] = [.. Actions.Select(r => r.ToString())],
        [DecisionGraphSchema.WorkflowNotifications] = [.. Notifications.Select(r => r.ToString())],
    };

    public void EventLog(in EventLogRow row) => Events.Add(row);
    public void ProjectionCursor(in ProjectionCursorRow row) => Cursors.Add(row);
    public void GraphNode(in GraphNodeRow row) => Nodes.Add(row);
    public void GraphEdge(in GraphEdgeRow row) => Edges.Add(row);
    public void TraceSummary(in TraceSummaryRow row) => Summaries.Add(row);
    public void PolicyEval(in PolicyEvalRow row) => PolicyEvals.Add(row);
    public void Precedent(in PrecedentRow row) => Precedents.Add(row);
    public void ProjectionDigest(in ProjectionDigestRow row) => Digests.Add(row);
    public void ProjectionFailure(in ProjectionFailureRow row) => Failures.Add(row);
    public void ProjectionRun(in ProjectionRunRow row) => Runs.Add(row);
    public void WorkflowRuntime(in WorkflowRuntimeRow row) => Runtime.Add(row);
    public void WorkflowItem(in WorkflowItemRow row) => Items.Add(row);
    public void WorkflowAction(in WorkflowActionRow row) => Actions.Add(row);
    public void WorkflowNotification(in WorkflowNotificationRow row) => Notifications.Add(row);
}

namespace Ledger.Agent.Restores;

/// <summary>
/// The runbook's rule about projections after a restore (pure): rebuild only when the restored projection tables are
/// missing, or health (the database's own, or DecisionGraph's) says they are behind or untrusted; ask DecisionGraph for
/// the rebuild only when a DecisionGraph URL is configured for the target and rebuilds are allowed there.
/// </summary>
public sealed record RebuildDecision(bool Needed, bool Request, string Reason)
{
    public static RebuildDecision Decide(ProjectionAssessment database, ProjectionAssessment? application, bool applicationConfigured,
        bool allowed, string target)
    {
        var needed = database.NeedsRebuild || application?.NeedsRebuild == true;
        if (!needed)
        {
            return new RebuildDecision(false, false, !database.Applies && application is null
                ? "not needed: not a DecisionGraph database, so there are no projections to rebuild"
                : "not needed: every projection is at the head of the event log with its digest"
                  + (application is null ? "" : ", and DecisionGraph agrees"));
        }

        var why = string.Join("; ", new[] { database.NeedsRebuild ? "in the database: " + database.Summary() : null,
            application?.NeedsRebuild == true ? "DecisionGraph: " + application.Summary() : null }.OfType<string>());
        if (!applicationConfigured)
        {
            return new RebuildDecision(true, false,
                $"needed ({why}), but no DecisionGraph URL is configured for {target}: rebuild the projections through DecisionGraph by hand");
        }

        return allowed
            ? new RebuildDecision(true, true, $"needed: {why}")
            : new RebuildDecision(true, false, $"needed ({why}), but projection rebuilds are turned off for {target} (AllowProjectionRebuild)");
    }
}

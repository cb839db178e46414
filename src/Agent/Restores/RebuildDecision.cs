namespace Ledger.Agent.Restores;

/// <summary>
/// The runbook's rule about projections after a restore (pure). DecisionGraph's projection workers do not start by
/// themselves after a restore, so projections that are only behind are caught up (a catch_up replay), never rebuilt.
/// A rebuild is asked for only when the state is untrusted after the catch-up (open failures, a digest missing or not at
/// its cursor, stuck runs), DecisionGraph is configured for the target, and rebuilds are allowed for it
/// (AllowProjectionRebuild); DecisionGraph itself may still refuse (403 "Projection rebuilds are disabled in this deployment").
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
                : "not needed: no open failures, every digest at its cursor, no stuck runs"
                  + (application is null ? "" : ", and DecisionGraph agrees"));
        }

        var why = string.Join("; ", new[] { database.NeedsRebuild ? "in the database: " + string.Join("; ", database.Findings.Take(5)) : null,
            application?.NeedsRebuild == true ? "DecisionGraph: " + string.Join("; ", application.Findings.Take(5)) : null }.OfType<string>());
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

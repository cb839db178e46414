using Ledger.Api.Backups;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Gates;

namespace Ledger.Api.Gates;

/// <summary>Edge validation of a gate request (pure).</summary>
public static class GateRequestRules
{
    public static readonly TimeSpan DefaultMaxAge = TimeSpan.FromHours(1);
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(30);

    public static Dictionary<string, string[]> Check(RequestGate? request, IReadOnlyCollection<AgentStatus> agents)
    {
        if (request is null)
        {
            return new() { ["body"] = ["A JSON object with environment, database, targetRelease and currentRelease is required."] };
        }

        var errors = BackupRequestRules.Check(
            new RequestBackup(request.Environment, request.Database, BackupTriggers.Manual, request.CurrentRelease), agents);
        if (errors.Remove("release", out var release))
        {
            errors["currentRelease"] = release;
        }

        if (string.IsNullOrEmpty(request.TargetRelease) || !BackupRequestRules.ReleasePattern().IsMatch(request.TargetRelease))
        {
            errors["targetRelease"] = ["Required: the git SHA or release tag being deployed."];
        }

        if (request.MaxBackupAgeSeconds is < 60 or > 7 * 24 * 3600)
        {
            errors["maxBackupAgeSeconds"] = ["Must be between 60 and 604800 (one minute to seven days)."];
        }

        if (request.TimeoutSeconds is < 5 or > 24 * 3600)
        {
            errors["timeoutSeconds"] = ["Must be between 5 and 86400."];
        }

        return errors;
    }
}

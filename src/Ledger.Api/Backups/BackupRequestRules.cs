using System.Text.RegularExpressions;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Backups;
using Ledger.Postgres;

namespace Ledger.Api.Backups;

/// <summary>Edge validation of a backup request: pure, so it is tested without a host.</summary>
public static partial class BackupRequestRules
{
    /// <summary>A git SHA or a release tag: no spaces, no shell or path surprises.</summary>
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._+/-]{0,127}$")]
    public static partial Regex ReleasePattern();

    /// <summary>Field name -> what is wrong with it; empty when the request may proceed.</summary>
    public static Dictionary<string, string[]> Check(RequestBackup? request, IReadOnlyCollection<AgentStatus> agents)
    {
        var errors = new Dictionary<string, string[]>();
        if (request is null)
        {
            errors["body"] = ["A JSON object with environment and database is required."];
            return errors;
        }

        var served = agents.SelectMany(a => a.Databases).ToList();
        if (string.IsNullOrWhiteSpace(request.Environment))
        {
            errors["environment"] = ["Required."];
        }
        else if (!EnvironmentNames.IsValid(request.Environment))
        {
            errors["environment"] = ["Must be lower-case letters, digits and dashes, starting with a letter (at most 32)."];
        }
        else if (!served.Any(d => d.Environment == request.Environment))
        {
            var known = served.Select(d => d.Environment).Distinct().Order().ToList();
            errors["environment"] =
            [
                $"Unknown environment '{request.Environment}': no agent serves it. Known: {(known.Count == 0 ? "none" : string.Join(", ", known))}.",
            ];
        }

        if (string.IsNullOrWhiteSpace(request.Database))
        {
            errors["database"] = ["Required."];
        }
        else if (!PgIdentifier.IsValid(request.Database))
        {
            errors["database"] = ["Not a valid PostgreSQL identifier (letters, digits, _ and $, starting with a letter or _, at most 63 bytes)."];
        }
        else if (!errors.ContainsKey("environment")
                 && !served.Any(d => d.Environment == request.Environment && d.Name == request.Database))
        {
            var known = served.Where(d => d.Environment == request.Environment).Select(d => d.Name).Distinct().Order();
            errors["database"] = [$"Unknown database '{request.Database}' in '{request.Environment}'. Known: {string.Join(", ", known)}."];
        }

        if (request.Trigger is not null && !BackupTriggers.IsValid(request.Trigger))
        {
            errors["trigger"] = [$"Must be one of {string.Join(", ", BackupTriggers.All)}."];
        }

        if (request.Release is not null && !ReleasePattern().IsMatch(request.Release))
        {
            errors["release"] = ["Must be a git SHA or release tag: letters, digits, '.', '_', '+', '/', '-', at most 128 characters."];
        }
        else if (request.Trigger == BackupTriggers.PreUpgrade && request.Release is null)
        {
            errors["release"] = ["A pre-upgrade backup must name the release running at backup time."];
        }

        return errors;
    }
}

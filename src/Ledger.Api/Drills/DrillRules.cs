using Ledger.Api.Restores;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Drills;

namespace Ledger.Api.Drills;

/// <summary>Edge validation of a drill request (pure, so it is tested without a host). Nothing is appended for these.</summary>
public static class DrillRules
{
    /// <summary>Field name -> what is wrong; empty when the request may go on to the drill's own checks.</summary>
    public static Dictionary<string, string[]> Check(RequestDrill? request)
    {
        var errors = new Dictionary<string, string[]>();
        if (request is null)
        {
            errors["body"] = ["A drill request is required."];
            return errors;
        }

        if (!EnvironmentNames.IsValid(request.Environment)) errors["environment"] = ["Lower-case letters, digits and dashes, starting with a letter (at most 32)."];
        if (request.TargetEnvironment is not null && !EnvironmentNames.IsValid(request.TargetEnvironment))
        {
            errors["targetEnvironment"] = ["Lower-case letters, digits and dashes, starting with a letter (at most 32); omit it to drill in the source's environment."];
        }

        if (string.IsNullOrWhiteSpace(request.Database)) errors["database"] = ["Required."];
        if (request.TargetDatabase is not null && string.IsNullOrWhiteSpace(request.TargetDatabase)) errors["targetDatabase"] = ["Must not be blank."];
        else if (!string.IsNullOrWhiteSpace(request.Database)
                 && RestoreRules.TargetNameProblem(TargetName(request)) is { } problem)
        {
            // The same rules as a restore target: a drill target is restored into, then dropped.
            errors["targetDatabase"] = [request.TargetDatabase is null ? $"The default target '{TargetName(request)}': {problem}" : problem];
        }

        if (request.ManualSteps is { } steps && steps.Any(s => s is null || s.Length > 500)) errors["manualSteps"] = ["Each step is text of at most 500 characters."];
        return errors;
    }

    /// <summary>The drill target's name: the one asked for, or <c>&lt;db&gt;_drill</c>.</summary>
    public static string TargetName(RequestDrill request) =>
        string.IsNullOrWhiteSpace(request.TargetDatabase) ? DrillTargets.DefaultFor(request.Database.Trim()) : request.TargetDatabase.Trim();

    /// <summary>Where the drill runs: the target environment asked for, or the source's.</summary>
    public static string TargetEnvironment(RequestDrill request) => request.TargetEnvironment ?? request.Environment;
}

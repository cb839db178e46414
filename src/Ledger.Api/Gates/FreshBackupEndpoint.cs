using Ledger.Api.Auth;
using Ledger.Api.Http;
using Ledger.Contracts.Gates;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace Ledger.Api.Gates;

/// <summary>
/// <c>GET /api/v1/gates/fresh-backup?env=&amp;db=&amp;max_age=&amp;release=</c>: is there a fresh, verified pre-upgrade
/// backup? Read-only, one indexed query; <c>max_age</c> in seconds (default 3600).
/// </summary>
public static class FreshBackupEndpoint
{
    /// <summary>Ten years: anything longer only overflows the clock arithmetic.</summary>
    public const long MaxAgeSeconds = 10L * 366 * 24 * 3600;

    public static ProblemDetails Validate(HttpRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrEmpty(request.Query["env"])) errors["env"] = ["Required."];
        if (string.IsNullOrEmpty(request.Query["db"])) errors["db"] = ["Required."];
        if (request.Query.ContainsKey("max_age") && !(long.TryParse(request.Query["max_age"], out var age) && age is > 0 and <= MaxAgeSeconds))
        {
            errors["max_age"] = [$"Must be a positive number of seconds, at most {MaxAgeSeconds} (10 years)."];
        }

        return errors.Count == 0 ? WolverineContinue.NoProblems : Problems.Invalid(errors);
    }

    [WolverineGet("/api/v1/gates/fresh-backup")]
    [Authorize(Policy = Policies.Read)]
    public static Task<FreshBackupAnswer> Get(HttpRequest request, IQuerySession session, DateTimeOffset now, CancellationToken ct)
    {
        var maxAge = TimeSpan.FromSeconds(request.Query.ContainsKey("max_age") ? long.Parse(request.Query["max_age"]!) : 3600);
        string? release = request.Query["release"];
        return FreshBackups.FindAsync(session, request.Query["env"]!, request.Query["db"]!,
            string.IsNullOrEmpty(release) ? null : release, maxAge, now, ct);
    }
}

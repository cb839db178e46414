using Microsoft.AspNetCore.Mvc;

namespace Ledger.Api.Http;

/// <summary>Problem-details answers that name the offending fields.</summary>
public static class Problems
{
    public static ProblemDetails Invalid(Dictionary<string, string[]> errors) =>
        new HttpValidationProblemDetails(errors)
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "Invalid request",
            Detail = string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join("; ", e.Value)}")),
        };

    public static ProblemDetails NotFound(string detail) =>
        new() { Status = StatusCodes.Status404NotFound, Title = "Not found", Detail = detail };
}

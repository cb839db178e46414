using Ledger.Postgres;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.Api.Http;

/// <summary>
/// A request that waited <c>Ledger:LockWait</c> for a gate or restore target that another request was deciding gets a
/// 409 problem saying so (and nothing appended), not a 500.
/// </summary>
public sealed class LockTimeouts(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not PgAdvisoryLockTimeoutException timeout)
        {
            return false;
        }

        httpContext.Response.StatusCode = StatusCodes.Status409Conflict;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict,
                Title = "Busy",
                Detail = $"Another request for the same gate or restore target was being decided for longer than {timeout.Wait.TotalSeconds:0.#} s; nothing was recorded. Try again.",
            },
        });
    }
}

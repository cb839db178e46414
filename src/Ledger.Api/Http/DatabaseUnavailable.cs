using System.Net.Sockets;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Ledger.Api.Http;

/// <summary>
/// A request that needs the ledger's database while it cannot be reached (stopped, restarting, the network gone) gets a
/// 503 problem with <c>Retry-After</c>, not a 500: nothing was recorded, and the same request may be sent again. The
/// connection string never appears in the answer.
/// </summary>
public sealed class DatabaseUnavailable(IProblemDetailsService problems, ILogger<DatabaseUnavailable> log) : IExceptionHandler
{
    public const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!IsUnreachable(exception))
        {
            return false;
        }

        log.LogWarning("The ledger's database is unreachable: {Error}", exception.GetBaseException().Message);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The ledger cannot reach its database",
                Detail = "The ledger's PostgreSQL did not answer; nothing was recorded. Try again once GET /healthz answers 200.",
            },
        });
    }

    /// <summary>
    /// Whether the exception (or one it wraps: Marten and Wolverine wrap Npgsql's) says the database could not be reached
    /// or went away mid-request, rather than that a statement was wrong.
    /// </summary>
    public static bool IsUnreachable(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException { SqlState: "57P01" or "57P02" or "57P03" or "53300" }:
                    return true;
                case PostgresException:
                    return false;
                case NpgsqlException { IsTransient: true }:
                case NpgsqlException { InnerException: SocketException or IOException or TimeoutException }:
                case SocketException:
                    return true;
            }
        }

        return exception is AggregateException aggregate && aggregate.InnerExceptions.Any(IsUnreachable);
    }
}

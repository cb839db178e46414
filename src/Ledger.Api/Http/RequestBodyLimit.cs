namespace Ledger.Api.Http;

public static class RequestBodyLimit
{
    /// <summary>
    /// Refuses a body larger than the limit with a 413 problem before anything reads it; Kestrel's own limit
    /// (set to the same value) catches chunked bodies that announce no length.
    /// </summary>
    public static void UseRequestBodyLimit(this WebApplication app, long maxBytes) =>
        app.Use(async (context, next) =>
        {
            if (context.Request.ContentLength > maxBytes)
            {
                // The body is never read, so the connection cannot carry another request: say so (RFC 9112 9.6).
                context.Response.Headers.Connection = "close";
                await Results.Problem(
                    statusCode: StatusCodes.Status413PayloadTooLarge,
                    title: "Request body too large",
                    detail: $"The body has {context.Request.ContentLength} bytes; the limit is {maxBytes}.").ExecuteAsync(context);
                return;
            }

            await next(context);
        });
}

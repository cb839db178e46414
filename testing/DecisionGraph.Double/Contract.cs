using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace DecisionGraph.Double;

/// <summary>
/// The response shapes of DecisionGraph's versioned API.
/// <para>
/// docs/reference/BEAM_HTTP_API_CONTRACT.md, "Success Envelope": <c>{"data": {...}, "request_id": "..."}</c>;
/// "Error Envelope": <c>{"error": {"code", "message", "details": {}}, "request_id"}</c>;
/// "Request IDs": "clients may send x-request-id: &lt;id&gt;; the server echoes or generates a request id on every response".
/// beam/apps/dg_web/lib/decision_graph_web/api_responder.ex renders both (render_data/3, render_error/2).
/// </para>
/// </summary>
public static class Contract
{
    /// <summary>Keys exactly as given (DecisionGraph's maps are serialised by Jason with their own key names).</summary>
    public static JsonSerializerOptions Json { get; } = new() { PropertyNamingPolicy = null, DictionaryKeyPolicy = null };

    /// <summary>api_responder.ex render_data/3.</summary>
    public static IResult Data(HttpContext http, int status, object? data) =>
        Results.Json(new Dictionary<string, object?> { ["data"] = data, ["request_id"] = RequestId(http) }, Json, statusCode: status);

    /// <summary>api_responder.ex render_error/2 with a DecisionGraph.Api.HttpError (status, code, message, details).</summary>
    public static IResult Error(HttpContext http, DgError error) =>
        Results.Json(new Dictionary<string, object?>
        {
            ["error"] = new Dictionary<string, object?>
            {
                ["code"] = error.Code,
                ["details"] = error.Details ?? new Dictionary<string, object?>(),
                ["message"] = error.Message,
            },
            ["request_id"] = RequestId(http),
        }, Json, statusCode: error.Status);

    /// <summary>The request id: the caller's x-request-id, else one generated per request (BEAM_HTTP_API_CONTRACT.md, "Request IDs").</summary>
    public static string RequestId(HttpContext http)
    {
        if (http.Items.TryGetValue("dg-request-id", out var known) && known is string id)
        {
            return id;
        }

        var sent = http.Request.Headers["x-request-id"].ToString();
        id = string.IsNullOrWhiteSpace(sent) ? "req-" + Guid.NewGuid().ToString("N")[..16] : sent;
        http.Items["dg-request-id"] = id;
        http.Response.Headers["x-request-id"] = id;
        return id;
    }

    /// <summary>
    /// DecisionGraph's timestamps: beam/apps/dg_projector/lib/decision_graph/projector/sql.ex now_rfc3339/1 truncates to
    /// microseconds and trims trailing zeros of the fraction ("2026-03-07T10:00:00.12Z"), or drops it when it is zero
    /// ("2026-03-07T10:00:00Z"). The length of the fraction therefore varies.
    /// </summary>
    public static string Rfc3339(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        var micro = (int)(utc.Ticks % TimeSpan.TicksPerSecond / 10);
        var basePart = utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        return micro == 0 ? basePart + "Z" : basePart + "." + micro.ToString("D6", CultureInfo.InvariantCulture).TrimEnd('0') + "Z";
    }
}

/// <summary>
/// DecisionGraph.Api.HttpError (beam/apps/dg_api/lib/decision_graph/api/http_error.ex) with the constructors of
/// beam/apps/dg_api/lib/decision_graph/api/errors.ex and its status mapping (400 invalid_argument, 404 not_found,
/// 409 projection_out_of_date / conflict, 503 storage; 401 unauthorized, 403 forbidden, 429 rate_limited; anything else
/// 500 internal_error).
/// </summary>
public sealed record DgError(int Status, string Code, string Message, IReadOnlyDictionary<string, object?>? Details = null)
{
    /// <summary>errors.ex unauthorized/1, default message "Authentication required".</summary>
    public static DgError Unauthorized(string message = "Authentication required") => new(401, "unauthorized", message);

    /// <summary>errors.ex forbidden/1.</summary>
    public static DgError Forbidden(string message = "Forbidden") => new(403, "forbidden", message);

    /// <summary>errors.ex rate_limited/1.</summary>
    public static DgError RateLimited(string message = "Rate limit exceeded") => new(429, "rate_limited", message);

    /// <summary>errors.ex invalid_argument/1.</summary>
    public static DgError InvalidArgument(string message) => new(400, "invalid_argument", message);

    public static DgError NotFound(string message) => new(404, "not_found", message);

    public static DgError Conflict(string message) => new(409, "conflict", message);

    public static DgError ProjectionOutOfDate(string message) => new(409, "projection_out_of_date", message);

    public static DgError Storage(string message) => new(503, "storage", message);

    public static DgError Internal(string message) => new(500, "internal_error", message);
}

/// <summary>Raised inside a route to answer with a DecisionGraph error.</summary>
public sealed class DgErrorException(DgError error) : Exception(error.Message)
{
    public DgError Error { get; } = error;
}

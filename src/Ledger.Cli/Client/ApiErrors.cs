using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Ledger.Cli.Common;
using Refit;

namespace Ledger.Cli.Client;

/// <summary>The parts of an RFC 9457 problem details body the CLI shows.</summary>
internal sealed record Problem(string? Title, string? Detail, int? Status, IReadOnlyList<(string Field, string Message)> Errors);

/// <summary>
/// Turns what went wrong talking to the ledger (a Refit <see cref="ApiException"/>, a transport failure) into the
/// message and exit code a user sees. Pure: no I/O.
/// </summary>
internal static class ApiErrors
{
    public const string RejectedToken = "the server rejected the token: set --token or DGLEDGER_TOKEN";
    public const string MissingRole = "the token lacks the role for this command";

    /// <summary>False when <paramref name="exception"/> is not about talking to the ledger (a bug: let it surface).</summary>
    public static bool TryMap(Exception exception, string ledgerUrl, out CliError error)
    {
        error = Map(exception, ledgerUrl)!;
        return error is not null;
    }

    private static CliError? Map(Exception exception, string ledgerUrl) => exception switch
    {
        ApiException api when !IsSuccess(api.StatusCode) => FromResponse(api.StatusCode, api.Content, ledgerUrl),
        ApiException api => new CliError(
            ExitCodes.Unexpected,
            $"the ledger at {ledgerUrl} answered {(int)api.StatusCode} with a body dgledger could not read",
            "is --url pointing at the ledger, and are the CLI and the ledger the same version?"),
        _ when Find<HttpRequestException>(exception) is { } http => Unreachable(ledgerUrl, http),
        _ when Find<TimeoutException>(exception) is not null || Find<TaskCanceledException>(exception) is not null => new CliError(
            ExitCodes.Unreachable,
            $"the ledger at {ledgerUrl} did not answer in time: is it overloaded? set --url or DGLEDGER_URL"),
        _ => null,
    };

    /// <summary>A non-success answer: its status decides the exit code, its problem details the message.</summary>
    public static CliError FromResponse(HttpStatusCode status, string? body, string ledgerUrl)
    {
        var problem = ParseProblem(body);
        return (int)status switch
        {
            400 or 422 => Invalid(problem),
            401 => new CliError(ExitCodes.Unauthorized, RejectedToken),
            403 => new CliError(ExitCodes.Unauthorized, MissingRole),
            404 => new CliError(ExitCodes.NotFound, "not found: " + (problem?.Detail ?? problem?.Title ?? "the ledger has no such resource")),
            >= 500 => new CliError(
                ExitCodes.Unexpected,
                $"the ledger failed ({(int)status}): " + (Describe(problem) ?? "no details"),
                $"try again; if it persists, see the ledger's logs at {ledgerUrl}"),
            _ => new CliError(ExitCodes.Unexpected, $"the ledger refused the request ({(int)status}): " + (Describe(problem) ?? "no details")),
        };
    }

    /// <summary>Reads title, detail, status and the <c>errors</c> map (field -> messages); null when the body is not a JSON object.</summary>
    public static Problem? ParseProblem(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var errors = new List<(string, string)>();
            if (root.TryGetProperty("errors", out var errorsElement))
            {
                if (errorsElement.ValueKind == JsonValueKind.Object)
                {
                    foreach (var field in errorsElement.EnumerateObject())
                    {
                        foreach (var message in Messages(field.Value))
                        {
                            errors.Add((field.Name, message));
                        }
                    }
                }
                else
                {
                    errors.AddRange(Messages(errorsElement).Select(m => ("", m)));
                }
            }

            return new Problem(
                Text(root, "title"),
                Text(root, "detail"),
                root.TryGetProperty("status", out var s) && s.TryGetInt32(out var n) ? n : null,
                errors);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static CliError Invalid(Problem? problem)
    {
        // Servers often repeat the field errors in the detail; then the title and the field lines say it all.
        var repeatsErrors = problem is { Detail: { } detail, Errors.Count: > 0 }
            && problem.Errors.Any(e => detail.Contains(e.Message, StringComparison.Ordinal));
        var summary = repeatsErrors ? problem!.Title : Describe(problem);
        var lines = new List<string> { "the ledger rejected the input: " + (summary ?? "no details") };
        lines.AddRange((problem?.Errors ?? []).Select(e => e.Field.Length == 0 ? e.Message : $"{e.Field}: {e.Message}"));
        return new CliError(ExitCodes.Usage, lines);
    }

    private static CliError Unreachable(string ledgerUrl, HttpRequestException http)
    {
        var reason = Find<SocketException>(http)?.Message ?? http.Message;
        return new CliError(
            ExitCodes.Unreachable,
            $"cannot reach the ledger at {ledgerUrl}: is it running? set --url or DGLEDGER_URL",
            $"({reason})");
    }

    /// <summary>"title: detail", either alone, or null when the problem says nothing.</summary>
    private static string? Describe(Problem? problem) => (problem?.Title, problem?.Detail) switch
    {
        ({ Length: > 0 } title, { Length: > 0 } detail) when !detail.Equals(title, StringComparison.Ordinal) => $"{title}: {detail}",
        ({ Length: > 0 } title, _) => title,
        (_, { Length: > 0 } detail) => detail,
        _ => null,
    };

    private static IEnumerable<string> Messages(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Array => element.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!),
        JsonValueKind.String => [element.GetString()!],
        _ => [],
    };

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool IsSuccess(HttpStatusCode status) => (int)status is >= 200 and < 300;

    private static T? Find<T>(Exception? exception) where T : Exception
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is T match)
            {
                return match;
            }
        }

        return null;
    }
}

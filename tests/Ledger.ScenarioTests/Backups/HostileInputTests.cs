using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ledger.Contracts.Common;

namespace Ledger.ScenarioTests.Backups;

/// <summary>
/// Every operation the ledger's OpenAPI document describes, sent hostile values in each query and path parameter
/// and hostile bodies (broken JSON, wrong types, extreme numbers, huge strings, NUL bytes), as the admin: no answer
/// is a 5xx and every refusal is a problem document. The operations come from <c>/openapi/v1.json</c>, so an endpoint
/// added later is covered without touching this test. (That a refused request appends nothing is asserted request by
/// request in ApiEdgeTests and the feature tests: the shared stack's schedules and agents append in the background.)
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class when_any_input_is_hostile(LedgerFixture fixture)
{
    private static readonly string[] HostileValues =
    [
        "", " ", "-1", "0", "2147483648", "-9223372036854775809", "99999999999999999999999999", "1e309", "NaN", "-Infinity",
        "0001-01-01", "9999-12-31T23:59:59Z", "0000-00-00", "not-a-date", "P1D", "\0", "' or 1=1 --", "%", "../../etc/passwd",
        "\u00e9\u0301\ud83d\udca5", "null", "[]", "{}", new string('a', 8_000), "00000000-0000-0000-0000-000000000000", "zzzz-not-a-guid",
    ];

    private static readonly JsonNode?[] HostileJsonValues =
    [
        null, JsonValue.Create(-1), JsonValue.Create(long.MinValue), JsonValue.Create(1e300), JsonValue.Create(""),
        JsonValue.Create(new string('x', 100_000)), JsonValue.Create("\0"), JsonValue.Create("0001-01-01"), new JsonArray(),
        new JsonObject(), JsonValue.Create("not-a-guid"), JsonValue.Create(2.5),
    ];

    private static readonly string[] BrokenBodies = ["", "{", "null", "[]", "\"text\"", "1e999", "{\"a\":", "{}", "\u0000"];

    [Fact]
    public async Task no_operation_answers_5xx_and_every_refusal_is_a_problem()
    {
        using var client = fixture.Stack.Client(Roles.Admin);
        var openapi = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!;
        var schemas = openapi["components"]?["schemas"]?.AsObject();
        var failures = new List<string>();
        var sent = 0;

        foreach (var (path, item) in openapi["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                if (method is not ("get" or "post" or "put" or "delete" or "patch"))
                {
                    continue;
                }

                var parameters = (operation!["parameters"]?.AsArray() ?? []).Select(p => (Name: (string)p!["name"]!, In: (string)p["in"]!)).ToList();
                var pathOnly = parameters.Where(p => p.In == "path").ToList();
                var query = parameters.Where(p => p.In == "query").ToList();

                foreach (var value in HostileValues)
                {
                    // Each parameter alone, then all of them at once.
                    foreach (var one in query.Select(q => new[] { q }).Append(query.ToArray()).Where(set => set.Length > 0 || query.Count == 0))
                    {
                        var url = Url(path, pathOnly, value, one, value);
                        if (await SendAsync(client, method, url, method == "get" ? null : "{}") is { } failure)
                        {
                            failures.Add(failure);
                        }
                        sent++;
                    }
                }

                if (method == "get")
                {
                    continue;
                }

                var bodyUrl = Url(path, pathOnly, Guid.NewGuid().ToString(), [], "");
                foreach (var body in BrokenBodies.Concat(HostileBodies(operation!, schemas)))
                {
                    if (await SendAsync(client, method, bodyUrl, body) is { } failure)
                    {
                        failures.Add(failure);
                    }
                    sent++;
                }
            }
        }

        Assert.True(sent > 500, $"only {sent} requests: the OpenAPI document lists fewer operations than expected");
        Assert.True(failures.Count == 0, $"{failures.Count} of {sent} hostile requests were mishandled:\n{string.Join("\n", failures.Take(40))}");
    }

    /// <summary>One property at a time set to each hostile value, the rest absent: never a valid request.</summary>
    private static IEnumerable<string> HostileBodies(JsonNode operation, JsonObject? schemas)
    {
        var reference = (string?)operation["requestBody"]?["content"]?["application/json"]?["schema"]?["$ref"];
        if (reference is null || schemas is null || schemas[reference.Split('/')[^1]]?["properties"]?.AsObject() is not { } properties)
        {
            yield break;
        }

        foreach (var (property, _) in properties)
        {
            foreach (var value in HostileJsonValues)
            {
                yield return new JsonObject { [property] = value?.DeepClone() }.ToJsonString();
            }
        }
    }

    private static string Url(string template, IReadOnlyList<(string Name, string In)> pathParameters, string pathValue,
        IReadOnlyList<(string Name, string In)> query, string queryValue)
    {
        var path = pathParameters.Aggregate(template, (p, parameter) => p.Replace("{" + parameter.Name + "}", Uri.EscapeDataString(pathValue == "" ? " " : pathValue)));
        return query.Count == 0 ? path : path + "?" + string.Join("&", query.Select(q => $"{q.Name}={Uri.EscapeDataString(queryValue)}"));
    }

    private static async Task<string?> SendAsync(HttpClient client, string method, string url, string? body)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), url);
        // A refused body (413) is never read, so the server closes that connection: no request may be sent on it after.
        request.Headers.ConnectionClose = true;
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        var shown = $"{method.ToUpperInvariant()} {(url.Length > 120 ? url[..120] + "…" : url)} {(body is null ? "" : body.Length > 80 ? body[..80] + "…" : body)}";
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request);
        }
        catch (HttpRequestException e)
        {
            return $"no answer ({e.InnerException?.Message ?? e.Message}) {shown}";
        }

        using var _ = response;
        var status = (int)response.StatusCode;
        if (status >= 500)
        {
            return $"{status} {shown}: {Trim(await response.Content.ReadAsStringAsync())}";
        }

        // A refusal says why, as a problem document. Without one: 404 (an unknown route or id), 405, and what Kestrel
        // refuses before any middleware runs (it closes the connection): an over-long request line (414) and a NUL in
        // the path (400).
        var kestrel = response.Headers.ConnectionClose == true && (status == 414 || (status == 400 && url.Split('?')[0].Contains("%00")));
        if (status is >= 400 and not 404 and not 405 && !kestrel && response.Content.Headers.ContentType?.MediaType is not "application/problem+json")
        {
            return $"{status} without a problem document ({response.Content.Headers.ContentType?.MediaType ?? "no body"}) {shown}";
        }

        return null;
    }

    private static string Trim(string text) => text.Length > 300 ? text[..300] + "…" : text;
}

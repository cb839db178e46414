using System.Net.Http.Headers;
using Refit;

namespace Ledger.Client;

/// <summary>
/// How anything in DgLedger talks to the ledger: one <see cref="HttpClient"/> recipe (base address, bearer token, user
/// agent, timeouts) and the typed client over it. The CLI, the test stack and the bench all build their clients here.
/// </summary>
public static class LedgerHttp
{
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>An HttpClient for the ledger at <paramref name="baseAddress"/>; a supplied handler is used and left undisposed.</summary>
    public static HttpClient CreateHttpClient(Uri baseAddress, string? token, HttpMessageHandler? handler = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        var http = handler is null
            ? new HttpClient(new SocketsHttpHandler { ConnectTimeout = ConnectTimeout, PooledConnectionLifetime = TimeSpan.FromMinutes(10) }, disposeHandler: true)
            : new HttpClient(handler, disposeHandler: false);
        http.BaseAddress = baseAddress;
        http.Timeout = timeout ?? RequestTimeout;
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("dgledger", typeof(LedgerHttp).Assembly.GetName().Version?.ToString() ?? "0"));
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return http;
    }

    /// <summary>The typed client over <paramref name="http"/>.</summary>
    public static ILedgerClient For(HttpClient http) => RestService.For<ILedgerClient>(http, LedgerJson.RefitSettings);
}

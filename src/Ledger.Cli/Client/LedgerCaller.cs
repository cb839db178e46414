using Ledger.Client;
using System.Net.Http.Headers;
using Ledger.Cli.Common;
using Refit;

namespace Ledger.Cli.Client;

/// <summary>
/// Runs one command body against the ledger: resolves the endpoint, builds the typed client, and turns
/// failures talking to the ledger into a message on stderr and an exit code.
/// </summary>
internal sealed class LedgerCaller(CliRuntime cli)
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    public async Task<int> RunAsync(ConnectionOptions connection, Func<ILedgerClient, LedgerEndpoint, Task<int>> body)
    {
        var endpoint = LedgerEndpoint.Resolve(connection.Url, connection.Token, cli.Environment);
        using var http = CreateHttpClient(endpoint, cli.HttpHandler);
        var client = RestService.For<ILedgerClient>(http, LedgerJson.RefitSettings);

        try
        {
            return await body(client, endpoint);
        }
        catch (OperationCanceledException) when (cli.Cancellation.IsCancellationRequested)
        {
            cli.Error.WriteLine("cancelled");
            return ExitCodes.Cancelled;
        }
        catch (Exception ex) when (ApiErrors.TryMap(ex, endpoint.DisplayUrl, out var error))
        {
            error.WriteTo(cli.Error);
            return error.ExitCode;
        }
    }

    /// <summary>An HttpClient for <paramref name="endpoint"/>; a supplied handler is used and left undisposed.</summary>
    public static HttpClient CreateHttpClient(LedgerEndpoint endpoint, HttpMessageHandler? handler)
    {
        var http = handler is null
            ? new HttpClient(new SocketsHttpHandler { ConnectTimeout = ConnectTimeout }, disposeHandler: true)
            : new HttpClient(handler, disposeHandler: false);
        http.BaseAddress = endpoint.BaseAddress;
        http.Timeout = RequestTimeout;
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("dgledger", typeof(LedgerCaller).Assembly.GetName().Version?.ToString() ?? "0"));
        if (endpoint.Token is { } token)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return http;
    }
}

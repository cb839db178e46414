using Ledger.Client;
using Ledger.Cli.Common;

namespace Ledger.Cli.Client;

/// <summary>
/// Runs one command body against the ledger: resolves the endpoint, builds the typed client, and turns
/// failures talking to the ledger into a message on stderr and an exit code.
/// </summary>
internal sealed class LedgerCaller(CliRuntime cli)
{
    public async Task<int> RunAsync(ConnectionOptions connection, Func<ILedgerClient, LedgerEndpoint, Task<int>> body)
    {
        var endpoint = LedgerEndpoint.Resolve(connection.Url, connection.Token, cli.Environment);
        using var http = LedgerHttp.CreateHttpClient(endpoint.BaseAddress, endpoint.Token, cli.HttpHandler);
        var client = LedgerHttp.For(http);

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
}

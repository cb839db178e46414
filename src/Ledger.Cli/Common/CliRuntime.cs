using Ledger.Client;
using System.Text.Json;
using Ledger.Cli.Client;

namespace Ledger.Cli.Common;

/// <summary>The process-facing pieces of one run: output, environment, clock, HTTP handler, cancellation.</summary>
internal sealed class CliRuntime(
    TextWriter output,
    TextWriter error,
    Func<string, string?> environment,
    TimeProvider time,
    HttpMessageHandler? httpHandler,
    CancellationToken cancellation)
{
    public TextWriter Out { get; } = output;
    public TextWriter Error { get; } = error;
    public Func<string, string?> Environment { get; } = environment;
    public TimeProvider Time { get; } = time;
    public HttpMessageHandler? HttpHandler { get; } = httpHandler;
    public CancellationToken Cancellation { get; } = cancellation;

    /// <summary>Writes a DTO as indented camelCase JSON on stdout: the only thing a --json run prints there.</summary>
    public void WriteJson<T>(T value) => Out.WriteLine(JsonSerializer.Serialize(value, LedgerJson.Indented));
}

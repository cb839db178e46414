using Ledger.Cli;
using Ledger.Testing.Stack;

namespace Ledger.ScenarioTests.Observability;

/// <summary>
/// A stack of its own for metrics, notifications and doctor, so that exact values can be asserted: the agent manages
/// <c>obs/app</c> (a sample database), <c>obs-broken/gone</c> (metrics of a failing database) and <c>obs-fail/gone</c>
/// (the webhooks' environment); both "gone" databases point at a port where nothing listens. The ledger sends
/// <c>backup-failed</c> of <c>obs-fail</c> to the receiver's <c>/hook</c> (json) and <c>/always-500</c> (slack), retrying
/// after one second, twice.
/// </summary>
public sealed class ObservabilityFixture : IAsyncLifetime
{
    public const string Environment = "obs";
    public const string Database = "app";
    public const string BrokenEnvironment = "obs-broken";
    public const string FailEnvironment = "obs-fail";
    public const string Gone = "gone";
    public const string WebhookSecret = "receiver-shared-secret-6b1d93";
    public const string Unreachable = "Host=127.0.0.1;Port=1;Username=nobody;Password=not-a-real-secret-77;Database=gone;Timeout=3";

    public EmbeddedStack Stack { get; private set; } = null!;
    public WebhookReceiver Receiver { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Receiver = await WebhookReceiver.StartAsync(WebhookSecret);
        var settings = new Dictionary<string, string?>
        {
            ["Notifications:Webhooks:0:Name"] = "receiver",
            ["Notifications:Webhooks:0:Url"] = new Uri(Receiver.Url, "/hook").ToString(),
            ["Notifications:Webhooks:0:Secret"] = WebhookSecret,
            ["Notifications:Webhooks:0:Events:0"] = "backup-failed",
            ["Notifications:Webhooks:0:Environments:0"] = FailEnvironment,
            ["Notifications:Webhooks:1:Name"] = "always-failing",
            ["Notifications:Webhooks:1:Url"] = new Uri(Receiver.Url, "/always-500").ToString(),
            ["Notifications:Webhooks:1:Secret"] = WebhookSecret,
            ["Notifications:Webhooks:1:Format"] = "slack",
            ["Notifications:Webhooks:1:Events:0"] = "backup-failed",
            ["Notifications:Webhooks:1:Environments:0"] = FailEnvironment,
            ["Notifications:RetryDelays:0"] = "00:00:01",
            ["Notifications:RetryDelays:1"] = "00:00:01",
        };
        Stack = await EmbeddedStack.StartAsync(async pg =>
        [
            new EmbeddedDatabase(Environment, Database, await EmbeddedStack.CreateSampleSourceAsync(pg, "obs_app")),
            new EmbeddedDatabase(BrokenEnvironment, Gone, Unreachable),
            new EmbeddedDatabase(FailEnvironment, Gone, Unreachable),
        ], logLevel: System.Environment.GetEnvironmentVariable("OBS_LOG") ?? "Warning", ledgerSettings: settings);
    }

    public async Task DisposeAsync()
    {
        if (Stack is not null) await Stack.DisposeAsync();
        if (Receiver is not null) await Receiver.DisposeAsync();
    }

    /// <summary>Runs the real CLI in-process against this stack.</summary>
    public async Task<CliRun> RunCliAsync(string? role, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var env = new Dictionary<string, string?>
        {
            ["DGLEDGER_URL"] = Stack.LedgerUrl.ToString(),
            ["DGLEDGER_TOKEN"] = role is null ? null : Stack.Tokens[role],
        };
        var code = await CliApp.RunAsync(args, new CliOverrides { Out = stdout, Error = stderr, Environment = name => env.GetValueOrDefault(name) });
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }
}

[CollectionDefinition(Name)]
public sealed class ObservabilityCollection : ICollectionFixture<ObservabilityFixture>
{
    public const string Name = "observability";
}

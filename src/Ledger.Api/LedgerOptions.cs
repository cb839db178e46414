namespace Ledger.Api;

/// <summary>The ledger's own settings (section <c>Ledger</c>), read once at start.</summary>
public sealed record LedgerOptions(
    string ConnectionString,
    TimeSpan AgentTimeout,
    long MaxRequestBodyBytes,
    bool SoloNode,
    TimeSpan QueuePollingInterval)
{
    public static LedgerOptions From(IConfiguration configuration)
    {
        var connection = configuration.GetConnectionString("Ledger");
        if (string.IsNullOrWhiteSpace(connection))
        {
            throw new InvalidOperationException(
                "The ledger has no database: set ConnectionStrings:Ledger (environment variable ConnectionStrings__Ledger).");
        }

        var section = configuration.GetSection("Ledger");
        return new LedgerOptions(
            Ledger.Postgres.PgConnectionStrings.Normalize(connection),
            section.GetValue("AgentTimeout", TimeSpan.FromSeconds(60)),
            section.GetValue("MaxRequestBodyBytes", 64L * 1024),
            section.GetValue("SoloNode", false),
            section.GetValue("QueuePollingInterval", TimeSpan.FromMilliseconds(250)));
    }
}

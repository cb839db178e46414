namespace Ledger.Api;

/// <summary>The ledger's own settings (section <c>Ledger</c>), read once at start.</summary>
public sealed record LedgerOptions(
    string ConnectionString,
    TimeSpan AgentTimeout,
    long MaxRequestBodyBytes,
    bool SoloNode,
    TimeSpan QueuePollingInterval,
    TimeSpan LockWait)
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
            section.GetValue("QueuePollingInterval", TimeSpan.FromMilliseconds(250)),
            Positive(section, "LockWait", TimeSpan.FromSeconds(30)));
    }

    /// <summary>A duration that must be above zero (a zero lock wait would mean "forever" to PostgreSQL).</summary>
    private static TimeSpan Positive(IConfigurationSection section, string key, TimeSpan fallback)
    {
        var value = section.GetValue(key, fallback);
        return value > TimeSpan.Zero
            ? value
            : throw new InvalidOperationException($"Ledger:{key} must be a positive duration (like 00:00:30), not {value}.");
    }
}

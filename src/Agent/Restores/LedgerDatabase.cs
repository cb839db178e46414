using Npgsql;

namespace Agent.Restores;

/// <summary>The ledger's own database, which no restore may overwrite (it often shares a server with the application).</summary>
public sealed class LedgerDatabase(string connectionString)
{
    private readonly NpgsqlConnectionStringBuilder _ledger = new(connectionString);

    /// <summary>True when <paramref name="database"/> on the server of <paramref name="hostConnectionString"/> is the ledger's database.</summary>
    public bool Is(string hostConnectionString, string database)
    {
        var host = new NpgsqlConnectionStringBuilder(hostConnectionString);
        return string.Equals(database, _ledger.Database, StringComparison.Ordinal)
               && string.Equals(host.Host, _ledger.Host, StringComparison.OrdinalIgnoreCase)
               && host.Port == _ledger.Port;
    }
}

using Ledger.Postgres;

namespace Ledger.Agent.Restores;

/// <summary>The ledger's own database, which no restore may overwrite (it often shares a server with the application).</summary>
public sealed class LedgerDatabase(string connectionString)
{
    private readonly string? _database = PgConnectionStrings.DatabaseOf(connectionString);

    /// <summary>True when <paramref name="database"/> on the server of <paramref name="hostConnectionString"/> is the ledger's database.</summary>
    public bool Is(string hostConnectionString, string database) =>
        string.Equals(database, _database, StringComparison.Ordinal) && PgConnectionStrings.SameServer(hostConnectionString, connectionString);
}

using System.Collections.Concurrent;
using Npgsql;

namespace Ledger.Agent.Restores;

/// <summary>
/// Which PostgreSQL cluster a connection string reaches, by the cluster's own identity
/// (<c>pg_control_system().system_identifier</c>), not by how its host is written: <c>localhost</c>, <c>127.0.0.1</c>
/// and a socket path are one server. Read once per connection string and cached.
/// </summary>
public sealed class ServerIdentity(Func<string, CancellationToken, Task<string?>>? read = null)
{
    private readonly ConcurrentDictionary<string, string> _known = new(StringComparer.Ordinal);

    /// <summary>The cluster's identity, or null when it cannot be reached (callers then fall back to comparing host strings).</summary>
    public async Task<string?> OfAsync(string connectionString, CancellationToken ct)
    {
        if (_known.TryGetValue(connectionString, out var id))
        {
            return id;
        }

        if (read is not null)
        {
            return await read(connectionString, ct);
        }

        try
        {
            var builder = new NpgsqlConnectionStringBuilder(Ledger.Postgres.PgConnectionStrings.Normalize(connectionString))
            {
                ApplicationName = "dgledger-agent",
                Timeout = 5,
            };
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand("select system_identifier::text from pg_catalog.pg_control_system()", connection);
            id = (string)(await command.ExecuteScalarAsync(ct))!;
            _known[connectionString] = id;
            return id;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            return null;
        }
    }

    /// <summary>Whether the two connection strings reach one cluster: by identity when both answer, else by host and port.</summary>
    public async Task<bool> SameServerAsync(string a, string b, CancellationToken ct) =>
        await OfAsync(a, ct) is { } x && await OfAsync(b, ct) is { } y
            ? x == y
            : Ledger.Postgres.PgConnectionStrings.SameServer(a, b);
}

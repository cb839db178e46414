using Npgsql;

namespace Ledger.ScenarioTests.Restores;

/// <summary>
/// Two shell scripts standing for an operator's stop and restart commands. Both print a line and the DecisionGraph
/// token (which the agent must scrub from the recorded output). While <see cref="Marker"/> exists, the restart script
/// also does what a DecisionGraph that restarted too early does: it appends an event to the restored database.
/// psql reads the password from a 0600 passfile, never from a command line.
/// </summary>
public sealed class HookScripts : IDisposable
{
    private HookScripts(string directory) => Directory = directory;

    public string Directory { get; }

    public string Stop => Path.Combine(Directory, "stop.sh");

    public string Restart => Path.Combine(Directory, "restart.sh");

    public string Marker => Path.Combine(Directory, "write-on-restart");

    public static HookScripts Write(string serverConnectionString, string token)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("dgledger-hooks-").FullName;
        var scripts = new HookScripts(directory);
        var server = new NpgsqlConnectionStringBuilder(serverConnectionString);
        var passfile = Path.Combine(directory, "pgpass");
        File.WriteAllText(passfile, $"{server.Host}:{server.Port}:*:{server.Username}:{server.Password}\n");
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the hook scripts are POSIX shell");
        }

        File.SetUnixFileMode(passfile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(scripts.Stop, $"""
            #!/bin/sh
            echo "stopping decisiongraph before restore $DGLEDGER_RESTORE_ID into $DGLEDGER_DATABASE"
            echo "using token={token}"
            """.Replace("\r", ""));
        File.WriteAllText(scripts.Restart, $$"""
            #!/bin/sh
            echo "restarting decisiongraph on $DGLEDGER_DATABASE ($DGLEDGER_STEP)"
            echo "using token={{token}}"
            if [ -f "{{scripts.Marker}}" ]; then
              PGPASSFILE="{{passfile}}" psql -X -q -h "{{server.Host}}" -p {{server.Port}} -U "{{server.Username}}" -d "$DGLEDGER_DATABASE" -v ON_ERROR_STOP=1 -c "
                insert into dg_event_log (tenant_id, event_id, trace_id, trace_seq, event_type, occurred_at, recorded_at, producer_id,
                                          source_system, actor_type, actor_id, idempotency_key, payload_json, payload_hash, tags_json)
                values ('default', 'evt-after-restart', 'trace-after-restart', 0, 'TraceStarted', '2026-04-02T00:00:00.5Z',
                        '2026-04-02T00:00:00.5Z', 'crm-sync', 'crm', 'agent', 'agent-7', 'after-restart', '{}', 'sha256:x', '[]')" || exit 3
              echo "decisiongraph ingested an event while starting"
            fi
            """.Replace("\r", ""));
        foreach (var script in new[] { scripts.Stop, scripts.Restart })
        {
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return scripts;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // a leftover temp directory is harmless
        }
    }
}

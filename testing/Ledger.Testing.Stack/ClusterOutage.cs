using System.Globalization;
using Ledger.Postgres;
using Ledger.Testing.Postgres;
using Npgsql;

namespace Ledger.Testing.Stack;

/// <summary>
/// A PostgreSQL outage for fault tests: stops a throwaway local cluster of <see cref="PostgresProvisioner"/>
/// (<c>pg_ctl stop -m immediate</c>, a crash, or <c>-m fast</c>, an administrator's shutdown) and starts it again on the
/// same port with the same data, as the server's OS user (the cluster's data directory owner) when this process is root.
/// </summary>
public static class ClusterOutage
{
    /// <summary>Stops the cluster; returns when the postmaster is gone.</summary>
    public static async Task StopAsync(PostgresInstance instance, bool immediate, CancellationToken ct = default)
    {
        var result = await PgCtlAsync(instance, ["stop", "-D", DataDirectory(instance), "-m", immediate ? "immediate" : "fast", "-w", "-t", "60"], ct);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"pg_ctl stop failed ({result.ExitCode}): {result.StderrTail}");
        }

        // Connections pooled in this process point at the stopped server.
        NpgsqlConnection.ClearAllPools();
    }

    /// <summary>Starts the stopped cluster again on its port and waits until it accepts connections.</summary>
    public static async Task StartAsync(PostgresInstance instance, CancellationToken ct = default)
    {
        var port = new NpgsqlConnectionStringBuilder(instance.ConnectionString).Port.ToString(CultureInfo.InvariantCulture);
        var directory = instance.ClusterDirectory!;
        var result = await PgCtlAsync(instance,
            ["start", "-w", "-t", "60", "-D", DataDirectory(instance), "-l", Path.Combine(directory, "postgres.log"), "-o", "-p " + port], ct);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"pg_ctl start failed ({result.ExitCode}): {result.StderrTail} [{Modes(directory)}]");
        }
    }

    /// <summary>Owner and mode of the directory and each parent, for a failure's message.</summary>
    private static string Modes(string directory)
    {
        var parts = new List<string>();
        for (var at = new DirectoryInfo(directory); at is not null; at = at.Parent)
        {
            parts.Add(at.Exists ? $"{at.FullName} {Convert.ToString((int)at.UnixFileMode, 8)}" : $"{at.FullName} missing");
        }

        return string.Join("; ", parts);
    }

    private static string DataDirectory(PostgresInstance instance) =>
        instance.Kind == PostgresInstanceKind.LocalCluster && instance.ClusterDirectory is { } directory
            ? Path.Combine(directory, "data")
            : throw new InvalidOperationException($"Only a throwaway local cluster can be stopped by a test, not {instance.Describe()}.");

    private static Task<PgProcessResult> PgCtlAsync(PostgresInstance instance, IReadOnlyList<string> arguments, CancellationToken ct)
    {
        var pgCtl = PgToolPaths.LocateServer().PgCtl;
        var owner = OwnerOf(DataDirectory(instance));
        var command = Environment.UserName == owner
            ? new PgCommand(pgCtl, arguments)
            : new PgCommand(PgToolPaths.FindOnPath("runuser") ?? "/usr/sbin/runuser", ["-u", owner, "--", pgCtl, .. arguments]);
        // "/" as the working directory: the server user must be able to enter it (pg_ctl resolves its own path from there).
        return PgProcessRunner.Default.RunAsync(command with { WorkingDirectory = "/" }, ct: ct);
    }

    /// <summary>The user owning the data directory (from <c>stat</c>: the server must run as that user).</summary>
    private static string OwnerOf(string directory)
    {
        using var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%U", directory])
        {
            RedirectStandardOutput = true, UseShellExecute = false,
        })!;
        var owner = stat.StandardOutput.ReadToEnd().Trim();
        stat.WaitForExit();
        return owner;
    }
}

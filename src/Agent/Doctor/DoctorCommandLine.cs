using System.Text.Json;
using Ledger.Agent.Restores;
using Ledger.Contracts.Doctor;
using Ledger.Postgres;
using Npgsql;

namespace Ledger.Agent.Doctor;

/// <summary>
/// <c>Ledger.Agent doctor [--json]</c> on the agent's host, with the agent's configuration (appsettings, environment, arguments):
/// the same checks the ledger asks agents for, for every managed database, plus the configuration itself and the ledger's
/// database (the queues). Useful when the agent does not start (pg_dump missing, a bad setting). Exit 0 when no check fails,
/// 12 when one does (the code <c>dgledger doctor</c> uses).
/// </summary>
public static class DoctorCommandLine
{
    public const int Failed = 12;

    public static bool Wants(string[] args) => args.Length > 0 && args[0] == "doctor";

    public static async Task<int> RunAsync(string[] args, TextWriter output, CancellationToken ct = default)
    {
        var json = args.Contains("--json");
        var builder = Host.CreateApplicationBuilder(args.Skip(1).Where(a => a != "--json").ToArray());
        var options = builder.Configuration.GetSection("Agent").Get<AgentOptions>() ?? new AgentOptions();
        var scope = $"agent {options.Id}";
        var checks = new List<DoctorCheck>();
        var problems = options.Problems().ToList();
        checks.Add(problems.Count == 0
            ? DoctorCheck.Ok(scope, "configuration", $"{options.Databases.Count} managed database(s)")
            : DoctorCheck.Fail(scope, "configuration", string.Join("; ", problems), "Fix the settings named above (section Agent)."));

        checks.Add(await LedgerDatabaseAsync(scope, builder.Configuration.GetConnectionString("Ledger"), ct));
        if (!string.IsNullOrWhiteSpace(options.Repository))
        {
            options.Repository = Repositories.BackupRepositories.IdOf(options.Repository) ?? options.Repository;
            using var decisionGraph = new DecisionGraphClient(TimeProvider.System);
            var doctor = new AgentDoctor(options, PgProcessRunner.Default, decisionGraph);
            checks.AddRange(await doctor.RunAsync(null, new Dictionary<string, long>(), ct));
        }

        var healthy = checks.All(c => c.Verdict != DoctorVerdicts.Fail);
        if (json)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(new DoctorReport(healthy, checks), new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
        }
        else
        {
            foreach (var c in checks)
            {
                await output.WriteLineAsync($"{c.Verdict,-4}  {c.Scope}  {c.Name}: {c.Detail}" + (c.Fix is null ? "" : $"\n      fix: {c.Fix}"));
            }

            await output.WriteLineAsync(healthy ? $"all well ({checks.Count} checks)" : $"{checks.Count(c => c.Verdict == DoctorVerdicts.Fail)} of {checks.Count} checks failed");
        }

        return healthy ? 0 : Failed;
    }

    private static async Task<DoctorCheck> LedgerDatabaseAsync(string scope, string? connection, CancellationToken ct)
    {
        const string fix = "Set ConnectionStrings:Ledger to the ledger's database (it carries the queues) and check that it is reachable.";
        if (string.IsNullOrWhiteSpace(connection))
        {
            return DoctorCheck.Fail(scope, "ledger database", "ConnectionStrings:Ledger is not set", fix);
        }

        try
        {
            var builder = new NpgsqlConnectionStringBuilder(PgConnectionStrings.Normalize(connection)) { Timeout = 5, Pooling = false };
            await using var db = new NpgsqlConnection(builder.ConnectionString);
            await db.OpenAsync(ct);
            return DoctorCheck.Ok(scope, "ledger database", $"reachable at {builder.Host}:{builder.Port}");
        }
        catch (Exception e) when (e is NpgsqlException or ArgumentException or TimeoutException)
        {
            return DoctorCheck.Fail(scope, "ledger database", $"not reachable: {e.GetType().Name}", fix);
        }
    }
}

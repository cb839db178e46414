using System.Text.Json;
using Ledger.Agent;
using Ledger.Agent.Doctor;
using Ledger.Cli;
using Ledger.Contracts.Common;
using Ledger.Contracts.Doctor;
using Ledger.Agent.Restores;
using Ledger.Postgres;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.ScenarioTests.Observability;

[Collection(ObservabilityCollection.Name)]
public sealed class when_the_doctor_examines_the_stack(ObservabilityFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task a_healthy_environment_passes_every_check_and_exits_0()
    {
        var run = await fixture.RunCliAsync(Roles.Reader, "doctor", "--env", ObservabilityFixture.Environment, "--json");

        Assert.True(run.ExitCode == ExitCodes.Ok, $"exit {run.ExitCode}: {run.Error}{run.Out}");
        var report = JsonSerializer.Deserialize<DoctorReport>(run.Out, Json)!;
        Assert.True(report.Healthy);
        Assert.All(report.Checks, c => Assert.NotEqual(DoctorVerdicts.Fail, c.Verdict));
        var names = report.Checks.Select(c => (c.Scope, c.Name)).ToHashSet();
        Assert.Contains(("ledger", "reachable"), names);
        Assert.Contains(("ledger", "database"), names);
        Assert.Contains(("agent embedded-agent", "heartbeat"), names);
        Assert.Contains(("agent embedded-agent", "clock"), names);
        Assert.Contains(("agent embedded-agent", "pg_dump"), names);
        Assert.Contains(("agent embedded-agent", "repository"), names);
        foreach (var check in new[] { "reachable", "version", "backup rights", "restore rights", "schedule" })
        {
            Assert.Contains(("obs/app", check), names);
        }

        Assert.DoesNotContain(report.Checks, c => c.Scope.StartsWith("obs-", StringComparison.Ordinal)); // --env obs only
    }

    [Fact]
    public async Task an_unreachable_database_fails_its_check_with_the_fix_and_exits_12()
    {
        var run = await fixture.RunCliAsync(Roles.Reader, "doctor", "--env", ObservabilityFixture.BrokenEnvironment);

        Assert.Equal(ExitCodes.DoctorFailed, run.ExitCode);
        var line = run.Out.Split('\n').Single(l => l.StartsWith("obs-broken/gone", StringComparison.Ordinal) && l.Contains("reachable"));
        Assert.Contains("fail", line);
        Assert.Contains("Check that the server is up", line);
        Assert.DoesNotContain("not-a-real-secret-77", run.Out + run.Error);
        Assert.Contains("checks failed", run.Out);
    }

    [Fact]
    public async Task the_agent_side_reports_a_missing_pg_dump()
    {
        var empty = Directory.CreateTempSubdirectory("dgledger-nobin-").FullName;
        try
        {
            var checks = await Doctor(pgBinDir: empty).RunAsync(ObservabilityFixture.Environment, new Dictionary<string, long>(), CancellationToken.None);

            var pgDump = checks.Single(c => c.Name == "pg_dump");
            Assert.Equal(DoctorVerdicts.Fail, pgDump.Verdict);
            Assert.Contains("has no pg_dump", pgDump.Detail);
            Assert.Contains("apt-get install postgresql-client", pgDump.Fix);
            Assert.Equal(DoctorVerdicts.Fail, checks.Single(c => c is { Scope: "obs/app", Name: "version" }).Verdict);
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    [Fact]
    public async Task the_agent_side_reports_an_unwritable_repository()
    {
        var file = Path.GetTempFileName(); // a regular file: nothing can be created beneath it, not even by root
        try
        {
            var checks = await Doctor(repository: Path.Combine(file, "repo")).RunAsync(ObservabilityFixture.Environment, new Dictionary<string, long>(),
                CancellationToken.None);

            var repository = checks.Single(c => c.Name == "repository");
            Assert.Equal(DoctorVerdicts.Fail, repository.Verdict);
            Assert.Contains("is not writable", repository.Detail);
            Assert.Contains("Agent:Repository", repository.Fix);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task the_agent_side_reports_a_server_newer_than_its_pg_dump_and_says_which_package_to_install()
    {
        // A bin directory whose pg_dump reports version 13 (a wrapper script) next to the real pg_restore.
        var real = PgToolPaths.Locate();
        var bin = Directory.CreateTempSubdirectory("dgledger-oldbin-").FullName;
        try
        {
            var wrapper = Path.Combine(bin, "pg_dump");
            await File.WriteAllTextAsync(wrapper, "#!/bin/sh\necho 'pg_dump (PostgreSQL) 13.14'\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            File.CreateSymbolicLink(Path.Combine(bin, "pg_restore"), real.PgRestore);

            var checks = await Doctor(pgBinDir: bin).RunAsync(ObservabilityFixture.Environment, new Dictionary<string, long>(), CancellationToken.None);

            var version = checks.Single(c => c is { Scope: "obs/app", Name: "version" });
            Assert.Equal(DoctorVerdicts.Fail, version.Verdict);
            Assert.Matches(@"pg_dump 13 cannot dump a PostgreSQL \d+ server", version.Detail);
            Assert.Matches(@"apt-get install postgresql-client-\d+", version.Fix);
            Assert.Equal(DoctorVerdicts.Ok, checks.Single(c => c.Name == "pg_dump").Verdict); // it runs; it is only too old
        }
        finally
        {
            Directory.Delete(bin, recursive: true);
        }
    }

    [Fact]
    public async Task the_agent_side_checks_decisiongraph_and_that_it_accepts_the_token()
    {
        // A DecisionGraph-shaped endpoint: healthy, and projection health only with the right bearer token.
        const string token = "dg-admin-token-for-the-doctor";
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.MapGet("/api/healthz", () => Results.Ok(new { status = "ok" }));
        app.MapGet("/api/v1/projections/health", (HttpContext http) =>
            http.Request.Headers.Authorization == $"Bearer {token}" ? Results.Ok(new { }) : Results.StatusCode(401));
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var client = new DecisionGraphClient();

        async Task<DoctorCheck> CheckWith(string presented)
        {
            var doctor = Doctor(configure: db => { db.DecisionGraphUrl = url; db.DecisionGraphToken = presented; }, decisionGraph: client);
            var checks = await doctor.RunAsync(ObservabilityFixture.Environment, new Dictionary<string, long>(), CancellationToken.None);
            return checks.Single(c => c is { Scope: "obs/app", Name: "decisiongraph" });
        }

        var good = await CheckWith(token);
        var bad = await CheckWith("a-token-it-does-not-know");

        Assert.Equal(DoctorVerdicts.Ok, good.Verdict);
        Assert.Equal(DoctorVerdicts.Fail, bad.Verdict);
        Assert.Contains("token was refused (401)", bad.Detail);
        Assert.Contains("DecisionGraphToken", bad.Fix);
        Assert.DoesNotContain("a-token-it-does-not-know", bad.Detail + bad.Fix);
    }

    /// <summary>The agent's doctor over the fixture's obs/app database, with one setting changed.</summary>
    private AgentDoctor Doctor(string? pgBinDir = null, string? repository = null, Action<ManagedDatabaseOptions>? configure = null,
        DecisionGraphClient? decisionGraph = null)
    {
        var options = new AgentOptions
        {
            Id = "doctor-test",
            Repository = repository ?? fixture.Stack.Repository,
            PgBinDir = pgBinDir,
            Databases =
            [
                new ManagedDatabaseOptions
                {
                    Name = ObservabilityFixture.Database,
                    Environment = ObservabilityFixture.Environment,
                    ConnectionString = fixture.Stack.Postgres.ConnectionStringFor("obs_app"),
                },
            ],
        };
        configure?.Invoke(options.Databases[0]);
        return new AgentDoctor(options, PgProcessRunner.Default, decisionGraph);
    }
}

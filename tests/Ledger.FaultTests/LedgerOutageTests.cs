using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ledger.Testing.Stack;
using Xunit.Abstractions;

namespace Ledger.FaultTests;

/// <summary>
/// The ledger's own PostgreSQL (which also holds every agent's queues, inbox and outbox) stopped while an agent's backup
/// runs, for <see cref="Outage"/> (shorter than the operation lease: the code is meant for a minute and more). The agent
/// keeps its reports and delivers them once the database is back: the backup's reports are appended exactly once, it
/// ends verified, the lease does not abandon it; meanwhile the ledger's HTTP answers 503 problems (never 500), and the
/// next backup succeeds.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class when_the_ledger_database_is_unreachable(FaultFixture fixture, ITestOutputHelper output)
{
    /// <summary>How long the ledger's database stays down (DGLEDGER_LEDGER_OUTAGE_SECONDS, e.g. 60, for the full minute).</summary>
    public static readonly TimeSpan Outage = TimeSpan.FromSeconds(
        int.TryParse(Environment.GetEnvironmentVariable("DGLEDGER_LEDGER_OUTAGE_SECONDS"), out var seconds) && seconds > 0 ? seconds : 25);

    [Fact]
    public async Task the_backup_report_arrives_once_it_is_back_and_meanwhile_the_api_answers_503()
    {
        var repository = EnvironmentFaults.NewRepositoryPath();
        await using var agent = await fixture.NewSourceAgentAsync("outage-agent", repository);
        var ledgerServer = fixture.Stack.Postgres;
        var down = false;
        try
        {
            await agent.StartAsync(Ledger.Agent.Recovery.Phases.MidDump);
            await fixture.Stack.WaitForHeartbeatAsync("outage-agent", DateTimeOffset.UtcNow, EnvironmentFaults.Bound);
            var backupId = await fixture.Stack.RequestBackupAsync(FaultFixture.SourceEnvironment, FaultFixture.BulkDatabase);
            Assert.True(await agent.WaitForPhaseAsync(Ledger.Agent.Recovery.Phases.MidDump, EnvironmentFaults.Bound), agent.Output);

            await ClusterOutage.StopAsync(ledgerServer, immediate: false);
            down = true;
            var stoppedAt = DateTimeOffset.UtcNow;
            FaultFigures.Environmental("ledger database unreachable");
            agent.Release(Ledger.Agent.Recovery.Phases.MidDump);

            // While it is down: 503 problem documents, never a 500.
            var answers = new List<string>();
            using (var reader = fixture.Stack.Client(Ledger.Contracts.Common.Roles.Reader))
            using (var operatorClient = fixture.Stack.Client(Ledger.Contracts.Common.Roles.Operator))
            {
                while (DateTimeOffset.UtcNow - stoppedAt < Outage)
                {
                    foreach (var (name, send) in new (string, Func<Task<HttpResponseMessage>>)[]
                             {
                                 ("GET /api/v1/backups", () => reader.GetAsync("/api/v1/backups")),
                                 ($"GET /api/v1/backups/{{id}}", () => reader.GetAsync($"/api/v1/backups/{backupId}")),
                                 ("GET /api/v1/gates/fresh-backup", () => reader.GetAsync($"/api/v1/gates/fresh-backup?env={FaultFixture.SourceEnvironment}&db={FaultFixture.BulkDatabase}")),
                                 ("POST /api/v1/backups", () => operatorClient.PostAsJsonAsync("/api/v1/backups", new { environment = FaultFixture.SourceEnvironment, database = FaultFixture.BulkDatabase })),
                                 ("GET /healthz", () => reader.GetAsync("/healthz")),
                             })
                    {
                        using var response = await send();
                        var body = await response.Content.ReadAsStringAsync();
                        answers.Add($"{name}: {(int)response.StatusCode}");
                        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{name} answered {(int)response.StatusCode} while the ledger's database was down: {body}");
                        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                        Assert.DoesNotContain("Password", body, StringComparison.OrdinalIgnoreCase);
                    }

                    await Task.Delay(TimeSpan.FromSeconds(2));
                }
            }

            output.WriteLine($"down {(DateTimeOffset.UtcNow - stoppedAt).TotalSeconds:0} s: {string.Join("; ", answers.Distinct())}");
            await ClusterOutage.StartAsync(ledgerServer);
            down = false;

            // Back: the backup's reports arrive, each once; it ends verified (the lease did not abandon it).
            JsonElement detail;
            try
            {
                detail = await fixture.WaitFinalAsync($"/api/v1/backups/{backupId}", EnvironmentFaults.BackupFinal, TimeSpan.FromSeconds(120));
            }
            catch (TimeoutException)
            {
                output.WriteLine(agent.Output);
                throw;
            }

            var types = await fixture.EventTypesAsync(backupId);
            output.WriteLine($"{backupId}: {string.Join(" -> ", types)}; {detail.GetProperty("backup").GetProperty("failureReason")}");
            Assert.True(LedgerReads.Status(detail) == "verified", detail + Environment.NewLine + agent.Output);
            var duplicates = await fixture.DuplicatesAsync(backupId);
            FaultFigures.Duplicates(duplicates);
            Assert.Equal(0, duplicates);
            if (!types.Contains("backup_taken") || !types.Contains("backup_verified"))
            {
                FaultFigures.LostEvent();
            }

            Assert.Equal(["backup_requested", "backup_started", "backup_taken", "backup_verified"], types);
            var leftovers = FaultChecks.Leftovers(repository, DateTime.MinValue);
            FaultFigures.Leftovers(leftovers.Count);
            Assert.Empty(leftovers);

            // The next backup succeeds.
            await fixture.VerifiedBackupAsync(FaultFixture.SourceEnvironment, FaultFixture.BulkDatabase, agent);
            await agent.StopAsync();
            output.WriteLine(string.Join(Environment.NewLine, agent.Output.Split('\n').Where(l => l.Contains("ledger's database", StringComparison.Ordinal) || l.Contains("discarded", StringComparison.Ordinal)).Take(15)));
            output.WriteLine(FaultFigures.Record());
        }
        finally
        {
            if (down)
            {
                await ClusterOutage.StartAsync(ledgerServer);
            }

            await agent.StopAsync();
            EnvironmentFaults.RemoveRepository(repository);
        }
    }
}

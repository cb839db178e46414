using DecisionGraph.Double;
using Ledger.Cli;
using Ledger.Testing.Stack;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.ScenarioTests;

/// <summary>
/// One real stack per test assembly: a private PostgreSQL, the ledger on a loopback port and an agent managing
/// <c>staging/app</c> (a sample database) and <c>broken/gone</c> (a database whose server does not answer).
/// Tests isolate themselves by environment or backup id rather than rebuilding hosts.
/// </summary>
public sealed class LedgerFixture : IAsyncLifetime
{
    public EmbeddedStack Stack { get; private set; } = null!;

    /// <summary>s3rver and the agents that store backups in its buckets (tests/Ledger.ScenarioTests/Storage).</summary>
    public Storage.StorageAgents Storage { get; private set; } = null!;

    public const string Environment = "staging";
    public const string Database = "app";
    public const string BrokenEnvironment = "broken";
    public const string BrokenDatabase = "gone";
    public const string RetentionEnvironment = "retention";

    // A DecisionGraph database filled by the Bogus seeder.
    public const string SeededEnvironment = "seeded";
    public const string SeededDatabase = "dg_seeded";
    public const int SeededTraces = 400;

    // Restores: a primary DecisionGraph source on the real schema (fixtures/decisiongraph/schema.sql, RealSchemaSample),
    // and a managed non-primary target served by the DecisionGraph double (created by the first restore into it).
    public const string RestoreSourceEnvironment = "rs-prod";
    public const string RestoreSourceDatabase = "dg";
    public const string RestoreEnvironment = "rs-test";
    public const string RestoreTarget = "dg_restored";
    public const string DecisionGraphToken = "double-admin-token-5f1e0c";

    // Sources in the states DecisionGraph's runbooks talk about, each restored into the same target.
    public const string CasesEnvironment = "rs-cases";
    /// <summary>Events newer than every projection: DecisionGraph's state after writes no worker caught up with.</summary>
    public const string BehindSource = "dg_behind";
    /// <summary>Behind, with an open, non-recoverable failure on the first unprojected event of trace_summary.</summary>
    public const string FailingSource = "dg_failing";
    /// <summary>A schema DgLedger does not know: a later migration version and a renamed column.</summary>
    public const string UnknownSchemaSource = "dg_unknown";
    /// <summary>A healthy source whose backups fetch DecisionGraph's workflow exports from <see cref="SourceDecisionGraph"/>.</summary>
    public const string ExportingSource = "dg_exporting";

    /// <summary>Where a drill of <see cref="BehindSource"/> restores to, served by <see cref="DrillDecisionGraph"/>.</summary>
    public static readonly string BehindDrillTarget = BehindSource + "_drill";

    // Drills across environments and on a schedule: sd-prod/app (the sample source again, as a primary) is drilled daily
    // (DrillOccurrence) in sd-stage, an environment whose only database (an empty one) is the host of drill targets;
    // sd-empty/app has the same drill schedule and never a backup, so each of its occurrences is refused.
    public const string DrillSourceEnvironment = "sd-prod";
    public const string DrillStageEnvironment = "sd-stage";
    public const string DrillStageHost = "sd_stage_host";
    public const string ScheduledDrillTarget = "app_scheduled_drill";
    public const string NoBackupEnvironment = "sd-empty";

    /// <summary>
    /// Today's occurrence of both drill schedules: a daily cron at the minute two minutes before the stack started, so a
    /// tick at the real time starts it (an agent refuses a restore requested more than an hour before it runs) and
    /// yesterday's occurrence, which the ledger never reached, is missed.
    /// </summary>
    public DateTimeOffset DrillOccurrence { get; } = Minute(DateTimeOffset.UtcNow.AddMinutes(-2));

    private static DateTimeOffset Minute(DateTimeOffset at) => new(at.Year, at.Month, at.Day, at.Hour, at.Minute, 0, TimeSpan.Zero);

    private string DrillCron => $"{DrillOccurrence.Minute} {DrillOccurrence.Hour} * * *";

    /// <summary>A managed target whose StopCommand and RestartCommand are the scripts in <see cref="Hooks"/>.</summary>
    public const string HookedTarget = "dg_hooked";

    /// <summary>The hook scripts and the marker file that makes the restart hook write into the target.</summary>
    public Restores.HookScripts Hooks { get; private set; } = null!;

    /// <summary>The DecisionGraph double serving <see cref="RestoreTarget"/>.</summary>
    public DecisionGraphDouble DecisionGraph { get; private set; } = null!;

    /// <summary>The DecisionGraph double serving <see cref="ExportingSource"/> (the live application backups export from).</summary>
    public DecisionGraphDouble SourceDecisionGraph { get; private set; } = null!;

    /// <summary>The DecisionGraph double serving drill targets of <see cref="CasesEnvironment"/>.</summary>
    public DecisionGraphDouble DrillDecisionGraph { get; private set; } = null!;

    public static DoubleOptions DoubleOptions { get; } = new()
    {
        // One admin account, as DecisionGraph's service-account bootstrap file would hold it (SELF_HOSTED_INSTALL.md).
        ServiceAccounts = [new ServiceAccount("dgledger", ["admin"], ["projection_replay", "projection_rebuild", "workflow_export"], ["*"], [DecisionGraphToken])],
        AllowRebuild = false, // production's setting (admin.ex: allow_rebuild off unless configured)
        // The whole assembly shares one account and tenant; a real minute's limits would make tests wait on each other.
        ReadLimitPerMinute = 100_000,
        AdminLimitPerMinute = 100_000,
        JobDuration = TimeSpan.FromMilliseconds(100),
    };

    public async Task InitializeAsync()
    {
        Stack = await EmbeddedStack.StartAsync(async pg =>
        {
            var app = await EmbeddedStack.CreateSampleSourceAsync(pg, "app");
            var schema = Restores.DecisionGraphSources.SchemaPath();
            var restoreSource = await Restores.DecisionGraphSources.HealthyAsync(pg, RestoreSourceDatabase, schema);
            var behind = await Restores.DecisionGraphSources.BehindAsync(pg, BehindSource, schema);
            var failing = await Restores.DecisionGraphSources.FailingAsync(pg, FailingSource, schema);
            var unknown = await Restores.DecisionGraphSources.UnknownSchemaAsync(pg, UnknownSchemaSource, schema);
            var exporting = await Restores.DecisionGraphSources.HealthyAsync(pg, ExportingSource, schema);
            var seeded = await EmbeddedStack.CreateDecisionGraphSourceAsync(pg, SeededDatabase, SeededTraces);
            var stageHost = await pg.CreateDatabaseAsync(DrillStageHost);
            SourceDecisionGraph = await DecisionGraphDouble.StartAsync(exporting, DoubleOptions);
            Hooks = Restores.HookScripts.Write(pg.ConnectionString, DecisionGraphToken);
            DecisionGraph = await DecisionGraphDouble.StartAsync(pg.ConnectionStringFor(RestoreTarget), DoubleOptions);
            DrillDecisionGraph = await DecisionGraphDouble.StartAsync(pg.ConnectionStringFor(BehindDrillTarget), DoubleOptions);
            var off = new Dictionary<string, string?> { ["Schedule"] = "off" };
            return
        [
            new EmbeddedDatabase(Environment, Database, app),
            new EmbeddedDatabase(SeededEnvironment, SeededDatabase, seeded),
            // The same source seen as another environment, for tests that prune (retention) without touching others.
            new EmbeddedDatabase(RetentionEnvironment, Database, app),
            // Port 1 on loopback: nothing listens, so pg_dump and the snapshot connection fail fast.
            new EmbeddedDatabase(BrokenEnvironment, BrokenDatabase,
                "Host=127.0.0.1;Port=1;Username=nobody;Password=not-a-real-secret-42;Database=gone;Timeout=3"),
            new EmbeddedDatabase(RestoreSourceEnvironment, RestoreSourceDatabase, restoreSource, Ledger.Contracts.Agents.DatabaseRoles.Primary),
            new EmbeddedDatabase(RestoreEnvironment, RestoreTarget, pg.ConnectionStringFor(RestoreTarget), Ledger.Contracts.Agents.DatabaseRoles.NonPrimary,
                new Dictionary<string, string?>
                {
                    ["DecisionGraphUrl"] = DecisionGraph.Url.ToString(),
                    ["DecisionGraphToken"] = DecisionGraphToken,
                    ["RebuildTimeout"] = "00:00:05",
                    ["ReplayPollInterval"] = "00:00:00.100",
                }),
            new EmbeddedDatabase(RestoreEnvironment, HookedTarget, pg.ConnectionStringFor(HookedTarget), Ledger.Contracts.Agents.DatabaseRoles.NonPrimary,
                new Dictionary<string, string?>(off)
                {
                    ["StopCommand:0"] = Hooks.Stop,
                    ["RestartCommand:0"] = Hooks.Restart,
                    ["HookTimeout"] = "00:00:30",
                    ["DecisionGraphToken"] = DecisionGraphToken, // no URL: only so that a printed token is scrubbed
                }),
            new EmbeddedDatabase(CasesEnvironment, BehindSource, behind, Ledger.Contracts.Agents.DatabaseRoles.NonPrimary,
                new Dictionary<string, string?>(off)
                {
                    ["DrillDecisionGraphUrl"] = DrillDecisionGraph.Url.ToString(),
                    ["DecisionGraphToken"] = DecisionGraphToken,
                    ["RebuildTimeout"] = "00:00:05",
                    ["ReplayPollInterval"] = "00:00:00.100",
                }),
            new EmbeddedDatabase(CasesEnvironment, ExportingSource, exporting, Ledger.Contracts.Agents.DatabaseRoles.NonPrimary,
                new Dictionary<string, string?>(off)
                {
                    ["DecisionGraphUrl"] = SourceDecisionGraph.Url.ToString(),
                    ["DecisionGraphToken"] = DecisionGraphToken,
                    ["ExportWorkflows"] = "true",
                }),
            new EmbeddedDatabase(DrillSourceEnvironment, Database, app, Ledger.Contracts.Agents.DatabaseRoles.Primary,
                new Dictionary<string, string?>(off)
                {
                    ["DrillSchedule"] = DrillCron,
                    ["DrillTargetEnvironment"] = DrillStageEnvironment,
                    ["DrillTargetDatabase"] = ScheduledDrillTarget,
                }),
            new EmbeddedDatabase(DrillStageEnvironment, DrillStageHost, stageHost, Ledger.Contracts.Agents.DatabaseRoles.NonPrimary, off),
            new EmbeddedDatabase(NoBackupEnvironment, Database, app, Ledger.Contracts.Agents.DatabaseRoles.NonPrimary,
                new Dictionary<string, string?>(off) { ["DrillSchedule"] = DrillCron }),
            new EmbeddedDatabase(CasesEnvironment, FailingSource, failing, Ledger.Contracts.Agents.DatabaseRoles.NonPrimary, off),
            new EmbeddedDatabase(CasesEnvironment, UnknownSchemaSource, unknown, Ledger.Contracts.Agents.DatabaseRoles.NonPrimary, off),
        ];
        },
        // The least-privilege agent's environment: its queue tables are the ledger's to create (Security/).
        ledgerSettings: new Dictionary<string, string?> { ["Ledger:AgentEnvironments:0"] = Security.LeastPrivilegeAgent.Environment });
        Storage = await Ledger.ScenarioTests.Storage.StorageAgents.StartAsync(Stack);
    }

    public async Task DisposeAsync()
    {
        if (Storage is not null)
        {
            await Storage.DisposeAsync();
        }

        await Stack.DisposeAsync();
        if (DecisionGraph is not null)
        {
            await DecisionGraph.DisposeAsync();
        }

        if (DrillDecisionGraph is not null)
        {
            await DrillDecisionGraph.DisposeAsync();
        }

        if (SourceDecisionGraph is not null)
        {
            await SourceDecisionGraph.DisposeAsync();
        }

        Hooks?.Dispose();
    }

    public IDocumentStore Store => Stack.Ledger.Services.GetRequiredService<IDocumentStore>();

    /// <summary>Runs the real CLI in-process against the stack and captures what it prints.</summary>
    public Task<CliRun> RunCliAsync(string? role, params string[] args) => RunCliAsync(Stack, role, args);

    /// <summary>Runs the real CLI in-process against <paramref name="stack"/> (any of the assembly's stacks).</summary>
    public static async Task<CliRun> RunCliAsync(EmbeddedStack stack, string? role, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var env = new Dictionary<string, string?>
        {
            ["DGLEDGER_URL"] = stack.LedgerUrl.ToString(),
            ["DGLEDGER_TOKEN"] = role is null ? null : stack.Tokens[role],
        };
        var code = await CliApp.RunAsync(args, new CliOverrides
        {
            Out = stdout,
            Error = stderr,
            Environment = name => env.GetValueOrDefault(name),
        });
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Total events in the ledger: proves that a refused request appended nothing.</summary>
    public async Task<long> EventCountAsync()
    {
        await using var session = Store.QuerySession();
        return await session.Events.QueryAllRawEvents().CountAsync();
    }
}

public sealed record CliRun(int ExitCode, string Out, string Error);

[CollectionDefinition(Name)]
public sealed class LedgerCollection : ICollectionFixture<LedgerFixture>
{
    public const string Name = "ledger";
}

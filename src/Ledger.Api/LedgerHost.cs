using JasperFx;
using JasperFx.CodeGeneration;
using Ledger.Api.Agents;
using Ledger.Api.Auth;
using Ledger.Api.Backups;
using Ledger.Api.Repositories;
using Ledger.Api.Drills;
using Ledger.Api.Doctor;
using Ledger.Api.Gates;
using Ledger.Api.Health;
using Ledger.Api.Metrics;
using Ledger.Api.Notifications;
using Ledger.Api.Retention;
using Ledger.Api.Schedules;
using Ledger.Api.Http;
using Ledger.Api.OperatorConsole;
using Ledger.Api.Restores;
using Ledger.Api.Security;
using Ledger.Contracts.Agents;
using Marten;
using Weasel.Core;
using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Http;
using Wolverine.Marten;
using Wolverine.Postgresql;
using Wolverine.Postgresql.Transport;

namespace Ledger.Api;

/// <summary>
/// Composes the ledger: Marten event store (schema <c>ledger</c>), Wolverine over the PostgreSQL transport,
/// Wolverine.Http endpoints, bearer-token auth. Each feature folder registers itself.
/// </summary>
public static class LedgerHost
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(LedgerHost).Assembly.GetName().Name,
        });
        configure?.Invoke(builder);

        var options = LedgerOptions.From(builder.Configuration);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<Http.LockTimeouts>();
        builder.Services.AddExceptionHandler<Http.DatabaseUnavailable>();
        builder.Services.AddOpenApi();
        builder.Services.AddLedgerAuth(builder.Configuration);
        builder.Services.AddSchedules(builder.Configuration);
        builder.Services.AddRetention(builder.Configuration);
        builder.Services.AddMetrics(builder.Configuration);
        builder.Services.AddNotifications(builder.Configuration);
        builder.Services.ConfigureSystemTextJsonForWolverineOrMinimalApi(json => json.SerializerOptions.Converters.Add(new NulCharacters.RefusingConverter()));
        var commandSigner = builder.Services.AddCommandSigning(builder.Configuration);
        builder.Services.AddOperationLeases(builder.Configuration);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes);

        builder.Services.AddMarten(store =>
            {
                store.Connection(options.ConnectionString);
                store.DatabaseSchemaName = "ledger";
                store.Events.DatabaseSchemaName = "ledger";
                // Status enums are stored, queried and indexed by their wire names ([JsonStringEnumMemberName]: "verification-failed").
                store.UseSystemTextJsonForSerialization(EnumStorage.AsString);
                // The async daemon runs the notifications subscription (Notifications/); every projection is inline. The
                // upstream DistributedLock behind the NuGet shim (see README) refuses multiplexing over a DbDataSource
                // unless the daemon takes its lock inside a transaction.
                store.Events.UseAdvisoryLockTransaction = true;
                store.AddBackups();
                store.AddAgents();
                store.AddGates();
                store.AddDrills();
                store.AddRestores();
                store.AddMetrics();
                store.AddNotifications();
                store.AddDoctor();
                store.AddRepositories();
            })
            .UseLightweightSessions()
            .ApplyAllDatabaseChangesOnStartup()
            // Runs the event subscriptions (Notifications/): work that follows the log after commit.
            .AddAsyncDaemon(options.SoloNode ? JasperFx.Events.Daemon.DaemonMode.Solo : JasperFx.Events.Daemon.DaemonMode.HotCold)
            .IntegrateWithWolverine(w =>
            {
                w.MessageStorageSchemaName = "ledger_messages";
                w.TransportSchemaName = Queues.Schema;
            });

        builder.Host.UseWolverine(opts =>
        {
            opts.ServiceName = "dgledger-ledger";
            // Hosted in-process by the CLI demo and the tests too: find handlers and endpoints here, not in the entry assembly.
            opts.ApplicationAssembly = typeof(LedgerHost).Assembly;
            opts.Durability.Mode = options.SoloNode ? DurabilityMode.Solo : DurabilityMode.Balanced;
            opts.Policies.AutoApplyTransactions();
            opts.Policies.UseDurableLocalQueues();
            opts.Policies.UseDurableOutboxOnAllSendingEndpoints();
            // Reports about one backup must be appended in the order the agent sent them (started, taken, verified):
            // one listener, one message at a time, on one node of the cluster.
            opts.ListenToPostgresqlQueue(Queues.Ledger).PollingInterval(options.QueuePollingInterval).ListenWithStrictOrdering();
            opts.Policies.OnException<Npgsql.NpgsqlException>().RetryWithCooldown(
                TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
            // Generate handler code in memory at start: nothing is written next to the binaries or the working directory.
            opts.CodeGeneration.TypeLoadMode = TypeLoadMode.Dynamic;
            // Create the queue tables (ledger's and, for sending, the agents') on demand.
            opts.Transports.GetOrCreate<PostgresqlTransport>().AutoProvision = true;
            // Every command for an agent is signed; the queues of Ledger:AgentEnvironments are created at start.
            opts.AddAgentAccess(commandSigner, builder.Configuration);
            opts.AddNotifications(NotificationOptions.From(builder.Configuration));
        });
        builder.Services.AddWolverineHttp();
        builder.Services.AddOperatorConsole();

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseRequestBodyLimit(options.MaxRequestBodyBytes);
        app.UseNulCharacterGuard();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapHealth();
        app.MapMetrics();
        app.MapWolverineEndpoints(http =>
        {
            http.RequireAuthorizeOnAll();
            http.RejectUnparseableQueryValues = true;
        });
        app.MapOperatorConsole();
        return app;
    }
}

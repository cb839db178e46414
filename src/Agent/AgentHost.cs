using Ledger.Agent.Backups;
using Ledger.Agent.Doctor;
using Ledger.Agent.Heartbeats;
using Ledger.Agent.Repositories;
using Ledger.Agent.Recovery;
using Ledger.Agent.Restores;
using Ledger.Agent.Security;
using JasperFx.CodeGeneration;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Backups;
using Ledger.Postgres;
using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Postgresql;

namespace Ledger.Agent;

/// <summary>
/// Composes an agent: a worker that joins the ledger's Wolverine system over the PostgreSQL transport, listens on
/// the queue of each environment it serves, runs pg_dump/pg_restore, and reports facts to the ledger queue.
/// </summary>
public static class AgentHost
{
    public static IHost Build(string[] args, Action<HostApplicationBuilder>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args,
            ApplicationName = typeof(AgentHost).Assembly.GetName().Name,
        });
        configure?.Invoke(builder);

        var (options, ledgerConnection) = AgentOptions.From(builder.Configuration);
        var tools = PgToolPaths.Locate(options.PgBinDir);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(tools);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<PgProcessRunner>();
        builder.Services.AddRepositories(options);
        builder.Services.AddRecovery(ledgerConnection);
        builder.Services.AddSingleton<BackupTaker>();
        builder.Services.AddSingleton<BackupVerifier>();
        builder.Services.AddSingleton<BackupCopier>();
        builder.Services.AddRestores(ledgerConnection);
        builder.Services.AddHostedService<HeartbeatService>();
        builder.Services.AddDoctor();
        // Least privilege: the agent's own durability schema, the ledger's public keys, and (without the right to create
        // tables) a check of its grants before Wolverine starts.
        var access = AgentAccess.From(builder.Configuration, options);
        builder.Services.AddSingleton(access);
        builder.Services.AddSingleton<CommandVerifier>();
        if (!access.AutoProvision)
        {
            builder.Services.AddHostedService(sp => new LedgerGrants(sp.GetRequiredService<AgentAccess>(), ledgerConnection));
        }

        builder.UseWolverine(opts =>
        {
            opts.ServiceName = "dgledger-agent";
            opts.ApplicationAssembly = typeof(AgentHost).Assembly;
            // Its own inbox, outbox and node tables: no agent of another environment shares them or recovers its work.
            var persistence = opts.UsePostgresqlPersistenceAndTransport(ledgerConnection, access.MessageSchema, transportSchema: Queues.Schema);
            if (access.AutoProvision)
            {
                persistence.AutoProvision();
            }

            // Nothing runs that the ledger did not sign (Security/CommandVerifier).
            opts.Policies.AddMiddleware(typeof(CommandSignatureMiddleware));
            foreach (var environment in options.Environments)
            {
                opts.ListenToPostgresqlQueue(Queues.ForEnvironment(environment)).PollingInterval(options.QueuePollingInterval);
            }

            // Everything the agent learns goes to the ledger, which appends it to the right stream.
            opts.Publish(rule =>
            {
                rule.MessagesImplementing<IAgentReport>();
                rule.ToPostgresqlQueue(Queues.Ledger);
            });

            opts.Durability.Mode = options.SoloNode ? DurabilityMode.Solo : DurabilityMode.Balanced;
            opts.Policies.UseDurableLocalQueues();
            opts.Policies.UseDurableOutboxOnAllSendingEndpoints();
            opts.DefaultExecutionTimeout = options.MaxBackupDuration;
            // A dump is never retried behind the operator's back: its outcome, good or bad, is the report.
            // Whatever fails, the ledger hears it: a compensating action publishes the step's failure report, then the
            // message goes to the error queue.
            opts.Policies.OnAnyException()
                .CompensatingAction<object>((message, exception, bus) =>
                    FailureReports.For(message, exception, options, TimeProvider.System.GetUtcNow()) is { } report
                        ? bus.PublishAsync(report)
                        : ValueTask.CompletedTask)
                .Then.MoveToErrorQueue();
            // Generate handler code in memory at start: nothing is written next to the binaries or the working directory.
            opts.CodeGeneration.TypeLoadMode = TypeLoadMode.Dynamic;
        });

        return builder.Build();
    }
}

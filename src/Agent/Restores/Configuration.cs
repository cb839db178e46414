using Ledger.Contracts.Restores;
using Wolverine;
using Ledger.Contracts.Agents;
using Wolverine.Postgresql;

namespace Ledger.Agent.Restores;

public static class Configuration
{
    /// <summary>The restore services; <paramref name="ledgerConnectionString"/> names the database no restore may overwrite.</summary>
    public static IServiceCollection AddRestores(this IServiceCollection services, string ledgerConnectionString)
    {
        services.AddSingleton(new LedgerDatabase(ledgerConnectionString));
        services.AddSingleton<DecisionGraphClient>();
        services.AddSingleton<RestoreRunner>();
        services.AddSingleton<RestoreVerifier>();
        services.AddSingleton<RestorePlanner>();
        return services;
    }

    /// <summary>Every restore fact goes to the ledger, which appends it to the restore's stream.</summary>
    public static WolverineOptions PublishRestoreReports(this WolverineOptions opts)
    {
        opts.PublishMessage<RestoreStarted>().ToPostgresqlQueue(Queues.Ledger);
        opts.PublishMessage<WritesBlocked>().ToPostgresqlQueue(Queues.Ledger);
        opts.PublishMessage<RestoreCompleted>().ToPostgresqlQueue(Queues.Ledger);
        opts.PublishMessage<RestoreFailed>().ToPostgresqlQueue(Queues.Ledger);
        opts.PublishMessage<RestorePlanned>().ToPostgresqlQueue(Queues.Ledger);
        opts.PublishMessage<ProjectionsRebuilt>().ToPostgresqlQueue(Queues.Ledger);
        opts.PublishMessage<ProjectionRebuildSkipped>().ToPostgresqlQueue(Queues.Ledger);
        opts.PublishMessage<VerificationPassed>().ToPostgresqlQueue(Queues.Ledger);
        opts.PublishMessage<VerificationFailed>().ToPostgresqlQueue(Queues.Ledger);
        return opts;
    }
}

using Ledger.Postgres;

namespace Ledger.Agent.Recovery;

public static class RecoveryConfiguration
{
    /// <summary>
    /// The agent's state directory, journal and recovery at start, and a process runner whose passfiles live in the
    /// state directory and whose programs die with the agent. Call before UseWolverine: recovery must run before the
    /// agent takes any message.
    /// </summary>
    public static IServiceCollection AddRecovery(this IServiceCollection services, string? ledgerConnection = null)
    {
        services.AddSingleton<AgentState>();
        services.AddSingleton(sp => new OperationJournal(sp.GetRequiredService<AgentState>().Directory));
        services.AddSingleton(sp => new PgProcessRunner
        {
            PassfileDirectory = sp.GetRequiredService<AgentState>().PassfileDirectory,
            DieWithParent = true,
        });
        services.AddSingleton<AgentRecovery>();
        services.AddHostedService(sp => sp.GetRequiredService<AgentRecovery>());
        if (ledgerConnection is not null)
        {
            // Reports kept through an outage of the ledger's database (which holds the agent's outbox too).
            services.AddHostedService(sp => ActivatorUtilities.CreateInstance<ReportRedelivery>(sp, ledgerConnection));
        }
        return services;
    }
}

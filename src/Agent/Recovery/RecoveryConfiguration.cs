using Ledger.Postgres;

namespace Ledger.Agent.Recovery;

public static class RecoveryConfiguration
{
    /// <summary>
    /// The agent's state directory, journal and recovery at start, and a process runner whose passfiles live in the
    /// state directory and whose programs die with the agent. Call before UseWolverine: recovery must run before the
    /// agent takes any message.
    /// </summary>
    public static IServiceCollection AddRecovery(this IServiceCollection services)
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
        return services;
    }
}

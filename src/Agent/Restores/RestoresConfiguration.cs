using Ledger.Contracts.Restores;
using Wolverine;
using Ledger.Contracts.Agents;
using Wolverine.Postgresql;

namespace Ledger.Agent.Restores;

public static class RestoresConfiguration
{
    /// <summary>The restore services; <paramref name="ledgerConnectionString"/> names the database no restore may overwrite.</summary>
    public static IServiceCollection AddRestores(this IServiceCollection services, string ledgerConnectionString)
    {
        services.AddSingleton(new LedgerDatabase(ledgerConnectionString));
        services.AddSingleton(new ServerIdentity());
        services.AddSingleton<TargetGuards>();
        services.AddSingleton<DecisionGraphClient>();
        services.AddSingleton<TargetLocks>();
        services.AddSingleton<Retention.ArtifactsInUse>();
        services.AddSingleton<RestoreRunner>();
        services.AddSingleton<RestoreVerifier>();
        services.AddSingleton<RestorePlanner>();
        return services;
    }
}

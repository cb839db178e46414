namespace Ledger.Agent.Repositories;

public static class RepositoriesConfiguration
{
    /// <summary>The repositories, the encryption keys (loaded once; the options were validated) and the start-up sweep.</summary>
    public static IServiceCollection AddRepositories(this IServiceCollection services, AgentOptions options)
    {
        services.AddSingleton(KeyRing.Load(options.Encryption).Ring ?? KeyRing.Empty);
        services.AddSingleton<BackupRepositories>();
        services.AddHostedService<WorkDirectorySweeper>();
        return services;
    }
}

using Ledger.Contracts.Agents;
using Wolverine;
using Wolverine.Postgresql.Transport;

namespace Ledger.Api.Security;

/// <summary>
/// The ledger's side of least-privilege agents: it signs every command for an agent, and it (the owner of the queue schema)
/// creates the queue tables of the environments in <c>Ledger:AgentEnvironments</c> at start, so that agents whose role may
/// not create tables find them (see deploy/sql/agent-role.sql).
/// </summary>
public static class AgentAccessConfiguration
{
    /// <summary>Reads the signing key (the ledger does not start without one) and registers the signer.</summary>
    public static CommandSigner AddCommandSigning(this IServiceCollection services, IConfiguration configuration)
    {
        var signer = CommandSigner.From(configuration, TimeProvider.System);
        services.AddSingleton(signer);
        return signer;
    }

    public static void AddAgentAccess(this WolverineOptions opts, CommandSigner signer, IConfiguration configuration)
    {
        opts.MetadataRules.Add(signer);

        var transport = opts.Transports.GetOrCreate<PostgresqlTransport>();
        foreach (var environment in AgentEnvironments(configuration))
        {
            _ = transport.Queues[Queues.ForEnvironment(environment)];
        }
    }

    /// <summary>The environments whose queues the ledger provisions at start.</summary>
    public static IReadOnlyList<string> AgentEnvironments(IConfiguration configuration)
    {
        var environments = configuration.GetSection("Ledger:AgentEnvironments").Get<string[]>() ?? [];
        var invalid = environments.Where(e => !EnvironmentNames.IsValid(e)).ToList();
        return invalid.Count == 0
            ? environments.Distinct().ToList()
            : throw new InvalidOperationException(
                $"Ledger:AgentEnvironments: '{string.Join("', '", invalid)}' must be lower-case letters, digits and dashes.");
    }
}

using Cocona;
using Ledger.Cli.Common;
using Ledger.Contracts.Agents;
using Ledger.Postgres;

namespace Ledger.Cli.Agents;

/// <summary>
/// <c>dgledger agents grants</c>: the SQL that gives one least-privilege agent role its grants in the ledger's database
/// for one environment (deploy/sql/agent-role.sql with its variables set), to pipe into psql as an administrator. Needs no
/// ledger: it prints, it connects to nothing.
/// </summary>
internal sealed class AgentGrantsCommand(CliRuntime cli)
{
    public const string Script = "agent-role.sql";

    [Command("grants", Description = "print the SQL granting an agent role its environment's queues (pipe it into psql as an administrator of the ledger's database)")]
    public int Grants(
        [Option("env", Description = "the environment the agent serves")] string environment,
        [Option("role", Description = "the agent's LOGIN role (its ConnectionStrings:Ledger user)")] string role,
        [Option("message-schema", Description = "the agent's Agent:MessageSchema (default agent_<Agent:Id>)")] string messageSchema)
    {
        var problems = new List<string>();
        if (!EnvironmentNames.IsValid(environment)) problems.Add($"--env '{environment}' must be lower-case letters, digits and dashes");
        if (!PgIdentifier.IsValid(role)) problems.Add($"--role '{role}' is not a valid PostgreSQL identifier");
        if (!PgIdentifier.IsValid(messageSchema)) problems.Add($"--message-schema '{messageSchema}' is not a valid PostgreSQL identifier");
        if (problems.Count > 0)
        {
            cli.Error.WriteLine(string.Join("; ", problems) + ".");
            return ExitCodes.Usage;
        }

        using var stream = typeof(AgentGrantsCommand).Assembly.GetManifestResourceStream(Script)
                           ?? throw new InvalidOperationException($"{Script} is not embedded in dgledger.");
        cli.Out.WriteLine($"-- dgledger agents grants --env {environment} --role {role} --message-schema {messageSchema}");
        cli.Out.WriteLine($"-- Run as an administrator of the ledger's database: ... | psql \"$LEDGER_ADMIN_URL\" -v ON_ERROR_STOP=1");
        cli.Out.WriteLine($"\\set role {role}");
        cli.Out.WriteLine($"\\set environment {environment}");
        cli.Out.WriteLine($"\\set message_schema {messageSchema}");
        cli.Out.Write(new StreamReader(stream).ReadToEnd());
        return ExitCodes.Ok;
    }
}

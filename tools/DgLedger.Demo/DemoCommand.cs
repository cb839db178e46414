using Ledger.Cli;
using Ledger.Testing.Stack;
using System.Diagnostics;
using Cocona;
using Ledger.Cli.Common;
using Ledger.Contracts.Common;
using Ledger.Postgres;

namespace DgLedger.Demo;

/// <summary>
/// <c>dgledger demo</c>: the whole chain on this machine with no configuration. A private PostgreSQL, a sample
/// DecisionGraph-shaped database, the ledger and an agent; then a real pg_dump backup requested, taken, recorded,
/// verified and listed, restored into a scratch database and diffed against the backup's fingerprint, through the same
/// CLI commands a person would type. Everything is removed afterwards.
/// </summary>
internal sealed class DemoCommand(CliRuntime cli)
{
    public const string Environment = "demo";
    public const string Database = "dgsample";
    public const int SampleTraces = 2_000;

    [Command("demo", Description = "run the whole chain on a private PostgreSQL: take, verify and list a real backup, then clean up")]
    public async Task<int> DemoAsync(
        [Option("verbose", Description = "show the ledger's and the agent's logs")] bool verbose = false)
    {
        var clock = Stopwatch.StartNew();
        void Progress(string step) => cli.Error.WriteLine($"[{clock.Elapsed.TotalSeconds,6:0.0}s] {step}");

        EmbeddedStack? stack = null;
        try
        {
            stack = await EmbeddedStack.StartAsync(
                async pg =>
                {
                    Progress($"PostgreSQL ready: {pg.Describe()}");
                    Progress($"Creating the sample database '{Database}': the DecisionGraph schema, {SampleTraces} traces from the seeder");
                    return [new EmbeddedDatabase(Environment, Database, await EmbeddedStack.CreateDecisionGraphSourceAsync(pg, Database, SampleTraces, cli.Cancellation))];
                },
                Progress, logLevel: verbose ? "Information" : "Warning", ct: cli.Cancellation);

            Progress($"$ dgledger backups take --env {Environment} --db {Database} --trigger manual --release demo --wait");
            var operatorEnv = Env(stack, Roles.Operator);
            var taken = new StringWriter();
            var take = await CliApp.RunAsync(
                ["backups", "take", "--env", Environment, "--db", Database, "--trigger", "manual", "--release", "demo", "--wait", "--timeout", "5m", "--json"],
                Overrides(operatorEnv) with { Out = taken });
            if (take != ExitCodes.Ok)
            {
                Progress("The backup did not verify; see above.");
                return take;
            }

            var backupId = System.Text.Json.JsonDocument.Parse(taken.ToString()).RootElement.GetProperty("backup").GetProperty("id").GetString()!;
            Progress("$ dgledger backups list");
            var list = await CliApp.RunAsync(["backups", "list"], Overrides(Env(stack, Roles.Reader)));
            if (list != ExitCodes.Ok)
            {
                return list;
            }

            const string restored = Database + "_restored";
            Progress($"$ dgledger restore {backupId} --target-db {restored} --confirm {restored} --wait");
            var restore = await CliApp.RunAsync(["restore", backupId, "--target-db", restored, "--confirm", restored, "--wait", "--timeout", "5m"],
                Overrides(operatorEnv));
            if (restore != ExitCodes.Ok)
            {
                Progress("The restore did not verify; see above.");
                return restore;
            }

            Progress($"$ dgledger diff --backup {backupId} --target {PgConnectionStrings.Redact(stack.Postgres.ConnectionStringFor(restored))}");
            var diff = await CliApp.RunAsync(["diff", "--backup", backupId, "--target", stack.Postgres.ConnectionStringFor(restored)],
                Overrides(Env(stack, Roles.Reader)));
            Progress($"Done in {clock.Elapsed.TotalSeconds:0.0}s; shutting everything down");
            return diff;
        }
        catch (OperationCanceledException)
        {
            Progress("Interrupted; shutting everything down");
            return ExitCodes.Cancelled;
        }
        finally
        {
            if (stack is not null)
            {
                await stack.DisposeAsync();
                Progress("Stopped the agent, the ledger and PostgreSQL; removed the demo repository");
            }
        }
    }

    private static Dictionary<string, string?> Env(EmbeddedStack stack, string role) => new()
    {
        ["DGLEDGER_URL"] = stack.LedgerUrl.ToString(),
        ["DGLEDGER_TOKEN"] = stack.Tokens[role],
    };

    private CliOverrides Overrides(Dictionary<string, string?> env) => new()
    {
        Out = cli.Out,
        Error = cli.Error,
        Environment = name => env.GetValueOrDefault(name),
        Cancellation = cli.Cancellation,
    };
}

using Cocona;
using Ledger.Cli.Client;
using Ledger.Cli.Common;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Common;

namespace Ledger.Cli.Repositories;

/// <summary>
/// <c>dgledger repository import --env E --repository URI</c>: rebuilds an environment's restore points from a
/// repository's manifests (after the ledger's database was lost, or to adopt a repository). The environment's agent
/// reads the repository with its own credentials and re-hashes each artifact; a manifest whose artifact does not match
/// is refused and named. Importing twice adds nothing. Exit 0 when nothing was refused, 8 when a manifest was.
/// </summary>
internal sealed class ImportRepositoryCommand(CliRuntime cli, LedgerCaller ledger)
{
    [Command("import", Description = "rebuild an environment's restore points from a repository's manifests: 0 all imported, 8 a manifest was refused")]
    public Task<int> ImportAsync(
        ConnectionOptions connection,
        [Option("env", ValueName = "ENV", Description = "the environment whose backups to import (its agent reads the repository)")] string env,
        [Option("repository", ValueName = "DIR|s3://BUCKET/PREFIX", Description = "the repository, as the agent is configured with it")] string repository,
        [Option("timeout", ValueName = "DURATION", Description = "how long to wait for the agent (default 10m)")] string? timeout = null,
        [Option("json", Description = "print the import run as JSON on stdout")] bool json = false)
    {
        var waitFor = timeout is null ? TimeSpan.FromMinutes(10) : TimeInput.ParseDurationOption("--timeout", timeout);
        return ledger.RunAsync(connection, async (client, _) =>
        {
            var run = await client.StartRepositoryImportAsync(new RequestRepositoryImport(env.Trim(), repository.Trim()), cli.Cancellation);
            var deadline = cli.Time.GetUtcNow() + waitFor;
            while (run.Status == ImportStatus.Pending && cli.Time.GetUtcNow() < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), cli.Time, cli.Cancellation);
                run = await client.GetRepositoryImportAsync(run.Id, cli.Cancellation);
            }

            if (json)
            {
                cli.WriteJson(run);
            }
            else
            {
                cli.Out.WriteLine($"Import {run.Id} of {run.Environment} from {run.Repository}: {run.Status.ToWire()}");
                cli.Out.WriteLine($"  imported: {run.Imported.Count}, already known: {run.AlreadyKnown.Count}, refused: {run.Refused.Count}");
                foreach (var refused in run.Refused)
                {
                    cli.Out.WriteLine($"  refused {refused.Key}: {refused.Reason}");
                }

                if (run.Failure is not null)
                {
                    cli.Error.WriteLine($"The agent could not read the repository: {run.Failure}");
                }
            }

            return run.Status switch
            {
                ImportStatus.Pending => ExitCodes.TimedOut,
                ImportStatus.Failed => ExitCodes.BackupFailed,
                _ => run.Refused.Count > 0 ? ExitCodes.BackupFailed : ExitCodes.Ok,
            };
        });
    }
}

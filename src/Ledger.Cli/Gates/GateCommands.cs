using Ledger.Contracts.Common;
using Ledger.Client;
using Cocona;
using Ledger.Cli.Backups;
using Ledger.Cli.Client;
using Ledger.Cli.Common;
using Ledger.Contracts.Gates;

namespace Ledger.Cli.Gates;

/// <summary><c>dgledger gate check|require</c>: what an upgrade pipeline asks before it deploys.</summary>
internal sealed class GateCommands(CliRuntime cli, LedgerCaller ledger)
{
    public static readonly TimeSpan DefaultMaxAge = TimeSpan.FromHours(1);
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(30);

    [Command("check", Description = "no side effects: exit 0 when a fresh verified pre-upgrade backup exists, 3 when not")]
    public Task<int> CheckAsync(
        ConnectionOptions connection,
        [Option("env", ValueName = "ENV")] string env,
        [Option("db", ValueName = "DB")] string db,
        [Option("max-age", ValueName = "DURATION", Description = "how old the backup may be (default 1h)")] string? maxAge = null,
        [Option("release", ValueName = "RELEASE", Description = "the backup must have been taken at this release")] string? release = null,
        [Option("json", Description = "print the answer as JSON on stdout")] bool json = false)
    {
        var age = maxAge is null ? DefaultMaxAge : TimeInput.ParseDurationOption("--max-age", maxAge);
        var environment = BackupInput.Environment(env);
        var database = BackupInput.Database(db);
        return ledger.RunAsync(connection, async (client, _) =>
        {
            var answer = await client.GetFreshBackupAsync(environment, database, (long)age.TotalSeconds,
                string.IsNullOrWhiteSpace(release) ? null : release, cli.Cancellation);
            if (json)
            {
                cli.WriteJson(answer);
            }
            else
            {
                cli.Out.WriteLine((answer.Fresh ? "fresh: " : "not fresh: ") + answer.Reason);
            }

            return answer.Fresh ? ExitCodes.Ok : ExitCodes.NoFreshBackup;
        });
    }

    [Command("require", Description = "open the pre-upgrade gate, taking a backup if needed, and wait: 0 open, 3 denied, 124 timed out")]
    public Task<int> RequireAsync(
        ConnectionOptions connection,
        [Option("env", ValueName = "ENV")] string env,
        [Option("db", ValueName = "DB")] string db,
        [Option("release", ValueName = "RELEASE", Description = "the release about to be deployed")] string release,
        [Option("current-release", ValueName = "RELEASE", Description = "the release running now (recorded on the backup)")] string? currentRelease = null,
        [Option("max-age", ValueName = "DURATION", Description = "how old an existing backup may be (default 1h)")] string? maxAge = null,
        [Option("timeout", ValueName = "DURATION", Description = "how long to wait for the gate (default 30m)")] string? timeout = null,
        [Option("json", Description = "print the final gate as JSON on stdout")] bool json = false)
    {
        var age = maxAge is null ? DefaultMaxAge : TimeInput.ParseDurationOption("--max-age", maxAge);
        var waitFor = timeout is null ? DefaultTimeout : TimeInput.ParseDurationOption("--timeout", timeout);
        var request = new RequestGate(BackupInput.Environment(env), BackupInput.Database(db), release.Trim(),
            string.IsNullOrWhiteSpace(currentRelease) ? null : currentRelease.Trim(), (long)age.TotalSeconds, (long)waitFor.TotalSeconds);

        return ledger.RunAsync(connection, async (client, _) =>
        {
            var requested = await client.RequestGateAsync(request, cli.Cancellation);
            var polled = await StatusPoller.WaitAsync(
                ct => client.GetGateAsync(requested.Id, ct),
                g => g.Status.IsFinal(),
                g => g.Status.ToWire(),
                g =>
                {
                    if (!g.Status.IsFinal())
                    {
                        cli.Error.WriteLine($"gate {Humanize.ShortId(g.Id)}: {g.Status.ToWire()}: {string.Join("; ", g.Reasons)}");
                    }
                },
                waitFor, cli.Time, cli.Cancellation,
                first: requested);
            var gate = polled.Last!;
            if (polled.TimedOut)
            {
                new CliError(ExitCodes.TimedOut, $"timed out after {TimeInput.FormatDuration(waitFor)} waiting for gate {gate.Id}",
                    "the gate's own deadline will close it; run the same command again to rejoin it").WriteTo(cli.Error);
                return ExitCodes.TimedOut;
            }

            if (json)
            {
                cli.WriteJson(gate);
            }
            else
            {
                cli.Out.WriteLine($"gate {gate.Id}: {gate.Status.ToWire()}: {string.Join("; ", gate.Reasons)}");
                if (gate.BackupId is { } backupId)
                {
                    cli.Out.WriteLine($"backup: {backupId}");
                }
            }

            return gate.Status == GateStatus.Open ? ExitCodes.Ok : ExitCodes.NoFreshBackup;
        });
    }
}

using Ledger.Contracts.Common;
using Ledger.Cli.Common;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Backups;

namespace Ledger.Cli.Backups;

/// <summary>Checks of backup options that need no server; each failure is a usage error (exit 2).</summary>
internal static class BackupInput
{
    /// <summary>
    /// The backup's trigger from <c>--trigger</c> or its older alias <c>--kind</c> (one vocabulary with the API and the
    /// events, which say trigger); null when neither is given. An error names the option that was typed.
    /// </summary>
    public static string? Trigger(string? trigger, string? kind)
    {
        if (trigger is not null && kind is not null && trigger != kind)
        {
            throw new UsageException($"--trigger '{trigger}' and --kind '{kind}' disagree: --kind is an alias of --trigger, give one");
        }

        var (value, option) = trigger is not null ? (trigger, "--trigger") : (kind, "--kind");
        return value is null || BackupTriggers.IsValid(value)
            ? value
            : throw new UsageException($"invalid {option} '{value}': expected one of {string.Join(", ", BackupTriggers.All)}");
    }

    public static string? OptionalStatus(string? status) =>
        status is null || WireEnum.Names<BackupStatus>().Contains(status)
            ? status
            : throw new UsageException($"invalid --status '{status}': expected one of {string.Join(", ", WireEnum.Names<BackupStatus>())}");

    public static string Environment(string environment) =>
        EnvironmentNames.IsValid(environment)
            ? environment
            : throw new UsageException($"invalid --env '{environment}': use lower-case letters, digits and dashes, starting with a letter (at most 32)");

    public static string Database(string database) =>
        !string.IsNullOrWhiteSpace(database) ? database : throw new UsageException("--db must name a database");

    public static Guid Id(string id) =>
        Guid.TryParse(id, out var guid)
            ? guid
            : throw new UsageException($"'{id}' is not a backup id: pass the full id ('dgledger backups list --json' shows it)");

    public static int Positive(string option, int value) =>
        value >= 1 ? value : throw new UsageException($"invalid {option} {value}: expected 1 or more");
}

using System.Reflection;
using Cocona.Application;

namespace Ledger.Cli.Hosting;

/// <summary>
/// Names the tool "dgledger" in help and usage. Cocona's default reads the process name and entry assembly,
/// which under a test runner would be "testhost".
/// </summary>
internal sealed class CliMetadataProvider : ICoconaApplicationMetadataProvider
{
    public const string ExecutableName = "dgledger";

    public string GetExecutableName() => ExecutableName;

    public string GetVersion() =>
        typeof(CliMetadataProvider).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? "0.0.0";

    public string GetProductName() => "DgLedger";

    public string GetDescription() => "dgledger: backups of self-hosted PostgreSQL, as the DgLedger ledger records them.";
}

using Cocona.Application;
using Ledger.Cli.Common;

namespace Ledger.Cli.Hosting;

/// <summary>Points Cocona's own output (help, its errors) at the run's writers instead of the process console.</summary>
internal sealed class CliConsoleProvider(CliRuntime cli) : ICoconaConsoleProvider
{
    public TextWriter Output => cli.Out;
    public TextWriter Error => cli.Error;
}

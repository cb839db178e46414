using Cocona.Builder;
using Cocona;
using Ledger.Cli;

namespace DgLedger.Demo;

/// <summary>
/// dgledger-demo's entry point: <c>demo</c> and <c>seed</c>, hosted by the CLI's own composition so they parse, fail and
/// exit like every dgledger command. Tests call it in-process with <see cref="CliOverrides"/>.
/// </summary>
public static class DemoTool
{
    public static Task<int> RunAsync(string[] args, CliOverrides? overrides = null) => CliApp.RunAsync(args, overrides, Register);

    private static void Register(ICoconaCommandsBuilder app)
    {
        app.AddCommands<DemoCommand>();
        app.AddCommands<SeedCommand>();
    }
}

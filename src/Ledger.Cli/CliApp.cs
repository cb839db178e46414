using Cocona.Builder;
using Ledger.Cli.Common;
using Ledger.Cli.Hosting;

namespace Ledger.Cli;

/// <summary>
/// The dgledger entry point. <c>Program.cs</c> calls it with the process's args; tests call it in-process with
/// <see cref="CliOverrides"/> and assert the exit code (see <see cref="ExitCodes"/>) and what was written.
/// </summary>
public static class CliApp
{
    public static Task<int> RunAsync(string[] args, CliOverrides? overrides = null) => RunAsync(args, overrides, Commands.Register);

    /// <summary>Runs <paramref name="register"/>'s commands instead of dgledger's (tools/DgLedger.Demo hosts demo and seed so).</summary>
    internal static async Task<int> RunAsync(string[] args, CliOverrides? overrides, Action<ICoconaCommandsBuilder> register)
    {
        ArgumentNullException.ThrowIfNull(args);

        // Ctrl+C cancels the command (exit 130) instead of killing the process, but only for the real process:
        // an embedding host or a test owns the console and passes its own token.
        using var ctrlC = overrides is null ? new CancellationTokenSource() : null;
        ConsoleCancelEventHandler? onCancel = null;
        if (ctrlC is not null)
        {
            onCancel = (_, e) =>
            {
                // The first Ctrl+C asks the command to stop; a second one ends the process.
                e.Cancel = !ctrlC.IsCancellationRequested;
                ctrlC.Cancel();
            };
            Console.CancelKeyPress += onCancel;
        }

        try
        {
            var cli = new CliRuntime(
                overrides?.Out ?? Console.Out,
                overrides?.Error ?? Console.Error,
                overrides?.Environment ?? Environment.GetEnvironmentVariable,
                overrides?.Time ?? TimeProvider.System,
                overrides?.HttpHandler,
                ctrlC?.Token ?? overrides?.Cancellation ?? CancellationToken.None);

            return await CoconaHost.RunAsync(args, cli, register);
        }
        finally
        {
            if (onCancel is not null)
            {
                Console.CancelKeyPress -= onCancel;
            }
        }
    }
}

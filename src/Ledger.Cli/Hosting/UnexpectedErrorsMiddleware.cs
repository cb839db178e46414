using Cocona;
using Cocona.Command.Dispatcher;
using Ledger.Cli.Common;

namespace Ledger.Cli.Hosting;

/// <summary>
/// The outermost guard: a bug becomes exit 1 and one line (the stack trace only with DGLEDGER_DEBUG=1), Ctrl+C
/// becomes exit 130. Replaces Cocona's handler, which always prints the stack trace.
/// </summary>
internal sealed class UnexpectedErrorsMiddleware(CommandDispatchDelegate next, CliRuntime cli) : CommandDispatcherMiddleware(next)
{
    public const string DebugVariable = "DGLEDGER_DEBUG";

    public override async ValueTask<int> DispatchAsync(CommandDispatchContext ctx)
    {
        try
        {
            return await Next(ctx);
        }
        catch (CommandExitedException exited)
        {
            if (!string.IsNullOrWhiteSpace(exited.ExitMessage))
            {
                (exited.ExitCode == 0 ? cli.Out : cli.Error).WriteLine(exited.ExitMessage);
            }

            return exited.ExitCode;
        }
        catch (OperationCanceledException) when (cli.Cancellation.IsCancellationRequested)
        {
            cli.Error.WriteLine("cancelled");
            return ExitCodes.Cancelled;
        }
        catch (Exception ex)
        {
            new CliError(
                ExitCodes.Unexpected,
                $"unexpected failure: {ex.GetType().Name}: {ex.Message}",
                $"this is a bug in dgledger; set {DebugVariable}=1 to see where it happened").WriteTo(cli.Error);
            if (cli.Environment(DebugVariable) is "1" or "true")
            {
                cli.Error.WriteLine(ex.ToString());
            }

            return ExitCodes.Unexpected;
        }
    }
}

using System.Runtime.InteropServices;
using DgLedger.Bench;
using DgLedger.Bench.Infrastructure;

using var cancellation = new CancellationTokenSource();

// Ctrl+C and SIGTERM (a CI timeout) stop the run the same way: the ledger, the agent and the cluster are removed.
void Interrupt(PosixSignalContext signal)
{
    signal.Cancel = true;
    Progress.Say($"{signal.Signal}: stopping and cleaning up");
    cancellation.Cancel();
}

using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);

var layout = RepositoryLayout.Find(AppContext.BaseDirectory);
BenchOptions options;
try
{
    options = BenchOptions.Parse(args, layout.Root);
}
catch (HelpRequestedException)
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync(e.Message);
    await Console.Error.WriteLineAsync(BenchOptions.Usage);
    return 2;
}

try
{
    return await BenchRun.RunAsync(options, layout, cancellation.Token);
}
catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
{
    return 130;
}

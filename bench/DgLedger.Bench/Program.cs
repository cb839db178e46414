using DgLedger.Bench;
using DgLedger.Bench.Infrastructure;

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    Progress.Say("interrupted: stopping and cleaning up");
    cancellation.Cancel();
};

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

using System.Diagnostics;

namespace DgLedger.Bench.Infrastructure;

/// <summary>What the harness is doing, on stderr with the elapsed time, so stdout carries only the results table.</summary>
public static class Progress
{
    private static readonly Stopwatch Clock = Stopwatch.StartNew();

    public static void Say(string message) =>
        Console.Error.WriteLine($"[{Clock.Elapsed:mm\\:ss}] {message}");

    public static TimeSpan Elapsed => Clock.Elapsed;
}

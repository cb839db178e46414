namespace Ledger.Cli.Common;

/// <summary>An error as the user sees it: lines for stderr (the first says what happened) and an exit code.</summary>
internal sealed record CliError(int ExitCode, IReadOnlyList<string> Lines)
{
    public CliError(int exitCode, params string[] lines) : this(exitCode, (IReadOnlyList<string>)lines) { }

    public void WriteTo(TextWriter error)
    {
        for (var i = 0; i < Lines.Count; i++)
        {
            error.WriteLine(i == 0 ? "error: " + Lines[i] : "  " + Lines[i]);
        }
    }
}

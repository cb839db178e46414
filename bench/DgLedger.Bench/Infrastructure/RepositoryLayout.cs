namespace DgLedger.Bench.Infrastructure;

/// <summary>Where the Release binaries the harness runs live, relative to the repository root (bench/run builds and publishes them).</summary>
public sealed record RepositoryLayout(string Root)
{
    private const string Output = "bin/Release/net10.0";

    public string LedgerDll => Path.Combine(Root, "src/Ledger.Api", Output, "Ledger.Api.dll");
    public string AgentDll => Path.Combine(Root, "src/Agent", Output, "Ledger.Agent.dll");
    /// <summary>The CLI as installed: published by bench/run (precompiled, ReadyToRun), not the build output.</summary>
    public string CliDll => Path.Combine(Root, "src/Ledger.Cli/bin/Release/publish", "dgledger.dll");

    /// <summary>The repository root: the first directory above <paramref name="start"/> holding DgLedger.sln.</summary>
    public static RepositoryLayout Find(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "DgLedger.sln")))
            {
                return new RepositoryLayout(directory.FullName);
            }
        }

        throw new DirectoryNotFoundException($"DgLedger.sln was not found above {start}.");
    }
}

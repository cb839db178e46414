using Ledger.Testing.Postgres;
using DgLedger.Bench.Infrastructure;
using DgLedger.Bench.Reporting;
using Ledger.Postgres;

namespace DgLedger.Bench;

/// <summary>What every measurement shares within one run.</summary>
public sealed class BenchContext(BenchOptions options, RepositoryLayout layout, PostgresInstance postgres, PgToolPaths tools,
    string workDirectory, BenchResults results, CancellationToken cancellation)
{
    public BenchOptions Options { get; } = options;
    public RepositoryLayout Layout { get; } = layout;
    public PostgresInstance Postgres { get; } = postgres;
    public PgToolPaths Tools { get; } = tools;
    public string WorkDirectory { get; } = workDirectory;
    public BenchResults Results { get; } = results;
    public CancellationToken Cancellation { get; } = cancellation;
    public PgProcessRunner Runner { get; } = PgProcessRunner.Default;

    /// <summary>Measured runs plus the warm-up that comes first (run 0, never counted; a smoke run has none).</summary>
    public int RunsWithWarmUp => Options.Runs + WarmUps;

    public int WarmUps => Options.Smoke ? 0 : 1;

    public bool IsWarmUp(int run) => run < WarmUps;

    /// <summary>1-based number of a measured run.</summary>
    public int RunNumber(int run) => run - WarmUps + 1;

    /// <summary>The seeded database at the chosen scale (null until seeded).</summary>
    public BenchDatabase? Source { get; set; }

    /// <summary>A tiny seeded database: the agent's memory during its backup is the reference for "flat".</summary>
    public BenchDatabase? Tiny { get; set; }

    public ServiceProcesses? Services { get; set; }

    /// <summary>The newest verified backup of <see cref="Source"/> taken through the agent (restores use it).</summary>
    public (Guid BackupId, string ArtifactPath, long SizeBytes)? LastBackup { get; set; }
}

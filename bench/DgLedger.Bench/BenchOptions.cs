using System.Globalization;

namespace DgLedger.Bench;

/// <summary>One size of DecisionGraph-shaped data and of ledger state.</summary>
/// <param name="Traces">Traces the seeder writes (chosen to reach <see cref="TargetBytes"/>, measured by pg_database_size).</param>
/// <param name="LedgerBackups">Synthetic backups loaded into the ledger (4 events each) for the query latencies.</param>
public sealed record Scale(string Name, int Traces, long TargetBytes, int LedgerBackups)
{
    public const int Megabyte = 1024 * 1024;

    // Traces per scale, calibrated against pg_database_size of what the seeder writes: about 7.3 KiB per trace
    // (6.4 event rows and their projection and workflow rows) on top of an empty database's 7.5 MiB.
    // The ledger state is the one the issue names at every real scale: 250,000 backups x 4 events = 1,000,000 events.
    public static readonly Scale Smoke = new("smoke", 400, 10L * Megabyte, 2_000);
    public static readonly Scale Small = new("small", 12_500, 100L * Megabyte, 250_000);
    public static readonly Scale Medium = new("medium", 140_000, 1024L * Megabyte, 250_000);
    public static readonly Scale Large = new("large", 420_000, 3072L * Megabyte, 250_000);

    public static readonly IReadOnlyList<Scale> All = [Smoke, Small, Medium, Large];
}

/// <summary>The measurements, as <c>--only</c> names them.</summary>
public static class MeasurementNames
{
    public const string Seed = "seed";
    public const string Backup = "backup";
    public const string Restore = "restore";
    public const string Ledger = "ledger";
    public const string Compression = "compression";
    public const string Jobs = "jobs";
    /// <summary>Measurement 8: /metrics scrape time on the loaded ledger state, and a webhook burst.</summary>
    public const string Observability = "observability";
    /// <summary>Measurement 9: backup and restore through a local directory and a bucket, each plain and encrypted.</summary>
    public const string Repositories = "repositories";

    public static readonly IReadOnlyList<string> All = [Seed, Backup, Restore, Ledger, Compression, Jobs, Observability, Repositories];

    /// <summary>Other names people will type: each figure comes from the run of the measurement it belongs to.</summary>
    public static readonly IReadOnlyDictionary<string, string> Aliases = new Dictionary<string, string>
    {
        ["seeding"] = Seed,
        ["verify"] = Backup,
        ["verification"] = Backup,
        ["memory"] = Backup,
        ["fingerprint"] = Restore,
        ["gate"] = Ledger,
        ["gates"] = Ledger,
        ["list"] = Ledger,
        ["queries"] = Ledger,
        ["dump-defaults"] = Compression,
        ["metrics"] = Observability,
        ["webhooks"] = Observability,
        ["bucket"] = Repositories,
        ["s3"] = Repositories,
        ["encryption"] = Repositories,
    };
}

/// <summary>The command line of bench/run.</summary>
public sealed record BenchOptions(Scale Scale, int Runs, bool Smoke, string? Only, string RepositoryRoot, string ResultsDirectory)
{
    public const string Usage = """
        usage: bench/run [--scale small|medium|large] [--runs N] [--smoke] [--only NAME] [--results DIR]

          --scale    about 100 MB, 1 GB or 3 GB of DecisionGraph-shaped data (default small)
          --runs     measured runs of each measurement, after one warm-up (default 5)
          --smoke    a tiny run of every measurement (under a minute once built), to keep the harness working
          --only     run one measurement, or several comma-separated: seed, backup (also verification and agent memory), restore (also the
                     fingerprint), ledger (gate check, fresh-backup, backups list), compression, jobs,
                     repositories (backup and restore through a local directory and an s3rver bucket, plain and encrypted)
          --results  where the markdown and JSON results go (default bench/results)
        """;

    /// <summary>Whether this run includes <paramref name="measurement"/> (<see cref="Only"/> may name several, comma-separated).</summary>
    public bool Wants(string measurement) => Only is null || Only.Split(',').Contains(measurement);

    public static BenchOptions Parse(IReadOnlyList<string> args, string repositoryRoot)
    {
        var scale = Scale.Small;
        int? runs = null;
        var smoke = false;
        string? only = null;
        string? results = null;
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--scale":
                    var name = Value();
                    scale = Scale.All.FirstOrDefault(s => s.Name == name && s != Scale.Smoke)
                            ?? throw new ArgumentException($"--scale must be small, medium or large, not '{name}'.");
                    break;
                case "--runs":
                    var text = Value();
                    runs = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 100
                        ? n
                        : throw new ArgumentException($"--runs must be a number from 1 to 100, not '{text}'.");
                    break;
                case "--smoke":
                    smoke = true;
                    break;
                case "--only":
                    only = string.Join(',', Value().ToLowerInvariant().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                        .Select(wanted => MeasurementNames.All.Contains(wanted) ? wanted
                            : MeasurementNames.Aliases.TryGetValue(wanted, out var canonical) ? canonical
                            : throw new ArgumentException($"--only must be one or more (comma-separated) of {string.Join(", ", MeasurementNames.All)}, not '{wanted}'."))
                        .Distinct());
                    if (only.Length == 0)
                    {
                        throw new ArgumentException("--only needs a measurement name.");
                    }

                    break;
                case "--results":
                    results = Path.GetFullPath(Value());
                    break;
                case "-h" or "--help":
                    throw new HelpRequestedException();
                default:
                    throw new ArgumentException($"Unknown option '{args[i]}'.");
            }
        }

        if (smoke)
        {
            scale = Scale.Smoke;
        }

        return new BenchOptions(scale, runs ?? (smoke ? 1 : 5), smoke, only, repositoryRoot,
            results ?? Path.Combine(repositoryRoot, "bench", "results"));
    }
}

public sealed class HelpRequestedException : Exception
{
    public HelpRequestedException() : base("help")
    {
    }

    public HelpRequestedException(string message) : base(message)
    {
    }

    public HelpRequestedException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

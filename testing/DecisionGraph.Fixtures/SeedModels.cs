namespace DecisionGraph.Fixtures;

/// <summary>What to seed. The same options always produce the same rows.</summary>
public sealed record SeedOptions
{
    public const int DefaultTenants = 3;
    public const int DefaultSeed = 1;
    public const int MaxTraces = 50_000_000;
    public const int MaxTenants = 1000;

    /// <summary>How many traces to write (about 6-7 events each).</summary>
    public required int Traces { get; init; }

    /// <summary>How many tenants share them (the first few get most traces); at most <see cref="Traces"/>.</summary>
    public int Tenants { get; init; } = DefaultTenants;

    /// <summary>The seed for Bogus's Randomizer.</summary>
    public int Seed { get; init; } = DefaultSeed;

    /// <summary>
    /// Load the event log with its trace trigger firing for every row, instead of bypassing it for the load
    /// (<c>session_replication_role = replica</c>). Slower; chosen automatically when the role may not set that parameter.
    /// </summary>
    public bool CheckedLoad { get; init; }

    /// <summary>Leave some projection failures open (status 'open'), as a DecisionGraph with a stuck projection has them.</summary>
    public bool OpenFailures { get; init; }

    /// <summary>Leave each tenant's last replay job queued or running, as a DecisionGraph that crashed mid-job leaves it.</summary>
    public bool StuckRuns { get; init; }

    /// <exception cref="ArgumentOutOfRangeException">A value is out of range; the message names it.</exception>
    public void Validate()
    {
        if (Traces is < 1 or > MaxTraces)
        {
            throw new ArgumentOutOfRangeException(nameof(Traces), Traces, $"traces must be between 1 and {MaxTraces:N0}");
        }

        if (Tenants < 1 || Tenants > MaxTenants || Tenants > Traces)
        {
            throw new ArgumentOutOfRangeException(nameof(Tenants), Tenants, $"tenants must be between 1 and {MaxTenants} and no more than the traces");
        }
    }
}

/// <summary>How the event log was loaded.</summary>
public static class SeedLoadModes
{
    /// <summary>The event log's row trigger bypassed for the load (session_replication_role = replica).</summary>
    public const string Fast = "fast";

    /// <summary>The event log's row trigger fired for every event.</summary>
    public const string Checked = "checked";
}

/// <summary>How far a seed has got; reported about once a second.</summary>
public sealed record SeedProgress(long Traces, long EventRows, long Rows, TimeSpan Elapsed)
{
    public double EventRowsPerSecond => Elapsed.TotalSeconds > 0 ? EventRows / Elapsed.TotalSeconds : 0;
}

/// <summary>One table and the rows the seed put in it.</summary>
public sealed record SeedTableCount(string Table, long Rows);

/// <summary>What a seed did. <see cref="Seconds"/> covers the load (locks, COPY, commit), not creating the schema.</summary>
public sealed record SeedReport(
    string Database,
    int Seed,
    int Traces,
    int Tenants,
    string LoadMode,
    long EventRows,
    long Rows,
    double Seconds,
    double EventRowsPerSecond,
    IReadOnlyList<SeedTableCount> Tables);

/// <summary>The database already holds DecisionGraph data; seeding would mix two data sets, so nothing was written.</summary>
public sealed class SeedRefusedException : Exception
{
    public SeedRefusedException()
    {
    }

    public SeedRefusedException(string message) : base(message)
    {
    }

    public SeedRefusedException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>The seeded tables that already had rows.</summary>
    public IReadOnlyList<string> NonEmptyTables { get; init; } = [];

    internal static SeedRefusedException For(IReadOnlyList<string> nonEmptyTables) =>
        new($"{string.Join(", ", nonEmptyTables)} {(nonEmptyTables.Count == 1 ? "is" : "are")} not empty: this database already holds DecisionGraph data, and a seed only goes into empty tables")
        {
            NonEmptyTables = nonEmptyTables,
        };
}

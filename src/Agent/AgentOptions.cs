using Ledger.Contracts.Common;
using Ledger.Contracts.Agents;
using Ledger.Postgres;

namespace Ledger.Agent;

/// <summary>One database the agent manages (section <c>Agent:Databases</c>).</summary>
public sealed class ManagedDatabaseOptions
{
    public string Name { get; set; } = "";
    public string Environment { get; set; } = "";
    /// <summary>Libpq URI or Npgsql connection string. A secret: never logged, never sent to the ledger.</summary>
    public string ConnectionString { get; set; } = "";
    public string Role { get; set; } = DatabaseRoles.NonPrimary;
    /// <summary>Cron (5 fields, or 6 with seconds) of the daily scheduled backup; "off" disables it.</summary>
    public string Schedule { get; set; } = ManagedDatabase.DefaultSchedule;
    /// <summary>IANA time zone of <see cref="Schedule"/> (and <see cref="DrillSchedule"/>); UTC when unset.</summary>
    public string? TimeZone { get; set; }
    /// <summary>Cron (5 or 6 fields) of scheduled restore drills of this database, run by the ledger; unset or "off": none.</summary>
    public string? DrillSchedule { get; set; }
    /// <summary>The environment a scheduled drill runs in (restored by the agent serving it); unset: this database's own.</summary>
    public string? DrillTargetEnvironment { get; set; }
    /// <summary>The scratch database a scheduled drill restores into; unset: <c>&lt;Name&gt;_drill</c>.</summary>
    public string? DrillTargetDatabase { get; set; }
    /// <summary>
    /// The database the agent connects to on this database's server to create, close and reopen restore targets
    /// (a database cannot be closed from a session inside it).
    /// </summary>
    public string MaintenanceDatabase { get; set; } = "postgres";
    /// <summary>
    /// The application's role, made owner of a restored target and of every object pg_restore created in it (pg_restore
    /// runs <c>--no-owner</c> as the agent's superuser). Unset: the source database's owner recorded at backup time, else
    /// the target's current owner. A drill target follows its source database's setting. A role missing on the target's
    /// server fails the restore at preflight, before the target is touched.
    /// </summary>
    public string? OwnerRole { get; set; }
    /// <summary>Base URL of the DecisionGraph serving this database; when set, restores into it check the application too.</summary>
    public string? DecisionGraphUrl { get; set; }
    /// <summary>
    /// Base URL of a DecisionGraph that serves this database's drill targets (scratch databases on its server), so that a
    /// drill runs the same DecisionGraph checks as a restore. Uses <see cref="DecisionGraphToken"/>.
    /// </summary>
    public string? DrillDecisionGraphUrl { get; set; }
    /// <summary>Bearer token for <see cref="DecisionGraphUrl"/> (an admin token, for rebuilds). A secret: never logged, never sent to the ledger.</summary>
    public string? DecisionGraphToken { get; set; }
    /// <summary>Tenants whose projection health is checked after a restore; empty means every tenant in the event log.</summary>
    public List<string> DecisionGraphTenants { get; set; } = [];
    /// <summary>Whether a restore may ask DecisionGraph to rebuild projections that are missing, behind or untrusted.</summary>
    public bool AllowProjectionRebuild { get; set; } = true;
    /// <summary>How long a restore waits for one DecisionGraph replay job (catch_up or rebuild) to end.</summary>
    public TimeSpan RebuildTimeout { get; set; } = TimeSpan.FromMinutes(10);
    /// <summary>
    /// How often a replay job is polled (GET /api/v1/admin/replays/{job_id}). DecisionGraph allows 60 admin requests a
    /// minute per account and tenant (rate_limiter.ex), so the default stays well under it.
    /// </summary>
    public TimeSpan ReplayPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A command (program and arguments, no shell) that stops DecisionGraph or blocks its writes before a restore into
    /// this database; run with <see cref="HookTimeout"/>, recorded with its output tail. Unset: the step is recorded as manual.
    /// </summary>
    public List<string> StopCommand { get; set; } = [];
    /// <summary>A command that restarts DecisionGraph after a restore into this database, before verification.</summary>
    public List<string> RestartCommand { get; set; } = [];
    /// <summary>
    /// Fetch DecisionGraph's workflow exports (GET /api/v1/admin/workflows/{id}/export, with <see cref="DecisionGraphToken"/>)
    /// of the open workflows and of those changed since the previous backup, and store them with each backup.
    /// </summary>
    public bool ExportWorkflows { get; set; }
    /// <summary>At most this many exports per backup (the oldest-changed open workflows are left out first).</summary>
    public int MaxExports { get; set; } = 500;
    /// <summary>How long <see cref="StopCommand"/> and <see cref="RestartCommand"/> may run.</summary>
    public TimeSpan HookTimeout { get; set; } = TimeSpan.FromMinutes(2);

    public ManagedDatabase ToAnnouncement() => new(Environment, Name, Role, Schedule, TimeZone,
        PgConnectionStrings.DatabaseOf(ConnectionString) is { } real && real != Name ? real : null,
        DrillSchedule, DrillTargetEnvironment, DrillTargetDatabase);
}

/// <summary>The agent's settings (section <c>Agent</c>, plus <c>ConnectionStrings:Ledger</c>), validated at start.</summary>
public sealed class AgentOptions
{
    public string Id { get; set; } = Environment.MachineName.ToLowerInvariant();
    /// <summary>Where backups are stored: a local directory or an S3-compatible bucket, <c>s3://bucket/prefix</c>.</summary>
    public string Repository { get; set; } = "";
    /// <summary>Further repositories every verified backup is copied to (directories or buckets).</summary>
    public List<string> Copies { get; set; } = [];
    /// <summary>How buckets are reached (endpoint, region, path style, credentials); see <see cref="Repositories.S3Options"/>.</summary>
    public Repositories.S3Options S3 { get; set; } = new();
    /// <summary>Client-side encryption of artifacts at rest.</summary>
    public Repositories.EncryptionOptions Encryption { get; set; } = new();
    /// <summary>Where restores download artifacts from a bucket (or decrypt them) before pg_restore reads them.</summary>
    public string WorkDirectory { get; set; } = "";
    /// <summary>The agent's journal and passfiles (see Recovery/AgentState); default &lt;Repository&gt;/.dgledger-agent/&lt;Id&gt;.</summary>
    public string? StateDirectory { get; set; }
    public string? PgBinDir { get; set; }
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);
    public TimeSpan MaxBackupDuration { get; set; } = TimeSpan.FromHours(6);
    /// <summary>How long a backup waits for another backup of the same database to finish.</summary>
    public TimeSpan LockWait { get; set; } = TimeSpan.FromMinutes(30);
    /// <summary>
    /// How long a restore waits at preflight for another restore or backup of its target (on the target's server, by any
    /// agent) to finish before it is refused, naming the holder (see Restores/TargetLocks).
    /// </summary>
    public TimeSpan TargetLockWait { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>pg_restore's --jobs for restores.</summary>
    public int RestoreJobs { get; set; } = Math.Clamp(Environment.ProcessorCount, 1, 4);
    /// <summary>
    /// pg_dump's --compress level for the custom format (0-9). 1, not pg_dump's 6: the bench (bench/run --only compression)
    /// measured level 1 38-44% faster for about 17% more bytes on DecisionGraph-shaped data.
    /// </summary>
    public int CompressionLevel { get; set; } = 1;
    public List<ManagedDatabaseOptions> Databases { get; set; } = [];
    /// <summary>Run Wolverine as a single node (tests, the demo); production agents leave this off.</summary>
    public bool SoloNode { get; set; }
    /// <summary>How often the agent polls its environment queues.</summary>
    public TimeSpan QueuePollingInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The environments served, each one a queue the agent listens on.</summary>
    public IReadOnlyList<string> Environments => Databases.Select(d => d.Environment).Distinct().Order().ToList();

    public ManagedDatabaseOptions? Find(string environment, string database) =>
        Databases.FirstOrDefault(d => d.Environment == environment && d.Name == database);

    /// <summary>Why a command for a database this agent is not configured with is refused.</summary>
    public string DoesNotManage(string environment, string database) =>
        $"Agent '{Id}' does not manage database '{database}' in environment '{environment}'.";

    public static (AgentOptions Options, string LedgerConnection) From(IConfiguration configuration)
    {
        var options = configuration.GetSection("Agent").Get<AgentOptions>() ?? new AgentOptions();
        var ledger = configuration.GetConnectionString("Ledger");
        var problems = options.Problems().ToList();
        if (string.IsNullOrWhiteSpace(ledger))
        {
            problems.Insert(0, "ConnectionStrings:Ledger is not set (the ledger's database, which carries the message queues)");
        }

        if (problems.Count > 0)
        {
            throw new InvalidOperationException("The agent's configuration is invalid: " + string.Join("; ", problems) + ".");
        }

        foreach (var db in options.Databases)
        {
            db.ConnectionString = PgConnectionStrings.Normalize(db.ConnectionString);
        }

        options.Repository = Repositories.BackupRepositories.IdOf(options.Repository)!;
        options.Copies = options.Copies.Select(c => Repositories.BackupRepositories.IdOf(c)!).ToList();
        options.WorkDirectory = Path.GetFullPath(string.IsNullOrWhiteSpace(options.WorkDirectory)
            ? Path.Combine(Path.GetTempPath(), "dgledger-agent-" + options.Id)
            : options.WorkDirectory);
        return (options, PgConnectionStrings.Normalize(ledger!));
    }

    private static string? ScheduleProblem(ManagedDatabaseOptions db)
    {
        try
        {
            if (CronRule.Read(db.Schedule, ManagedDatabase.DefaultSchedule) is ({ } text, var seconds))
            {
                Cronos.CronExpression.Parse(text, seconds ? Cronos.CronFormat.IncludeSeconds : Cronos.CronFormat.Standard);
            }
        }
        catch (FormatException e)
        {
            return $"Schedule '{db.Schedule}' is not a cron expression: {e.Message}";
        }

        try
        {
            if (CronRule.Read(db.DrillSchedule, CronRule.Off) is ({ } text, var seconds))
            {
                Cronos.CronExpression.Parse(text, seconds ? Cronos.CronFormat.IncludeSeconds : Cronos.CronFormat.Standard);
            }
        }
        catch (FormatException e)
        {
            return $"DrillSchedule '{db.DrillSchedule}' is not a cron expression: {e.Message}";
        }

        if (db.DrillTargetEnvironment is { } drillEnvironment && !EnvironmentNames.IsValid(drillEnvironment))
        {
            return $"DrillTargetEnvironment '{drillEnvironment}' must be lower-case letters, digits and dashes";
        }

        if (db.DrillTargetDatabase is { } drillTarget
            && (!PgIdentifier.IsValid(drillTarget) || drillTarget is "postgres" or "template0" or "template1" || drillTarget == db.MaintenanceDatabase))
        {
            return $"DrillTargetDatabase '{drillTarget}' must be a valid identifier and not a system or maintenance database";
        }

        try
        {
            if (!string.IsNullOrWhiteSpace(db.TimeZone)) TimeZoneInfo.FindSystemTimeZoneById(db.TimeZone);
        }
        catch (TimeZoneNotFoundException)
        {
            return $"TimeZone '{db.TimeZone}' is unknown";
        }

        return null;
    }

    private static string? RestoreProblem(ManagedDatabaseOptions db)
    {
        if (!PgIdentifier.IsValid(db.MaintenanceDatabase))
        {
            return $"MaintenanceDatabase '{db.MaintenanceDatabase}' is not a valid identifier";
        }

        if (db.OwnerRole is { } ownerRole && !PgIdentifier.IsValid(ownerRole))
        {
            return $"OwnerRole '{ownerRole}' is not a valid identifier";
        }

        foreach (var (key, value) in new[] { ("DecisionGraphUrl", db.DecisionGraphUrl), ("DrillDecisionGraphUrl", db.DrillDecisionGraphUrl) })
        {
            if (value is not { Length: > 0 } url)
            {
                continue;
            }

            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                return $"{key} must be an absolute http(s) URL";
            }

            if (string.IsNullOrWhiteSpace(db.DecisionGraphToken))
            {
                return $"DecisionGraphToken is required when {key} is set";
            }
        }

        if (db.DecisionGraphTenants.Any(string.IsNullOrWhiteSpace))
        {
            return "DecisionGraphTenants must not contain empty names";
        }

        if (db.ExportWorkflows && (string.IsNullOrWhiteSpace(db.DecisionGraphUrl) || db.MaxExports < 1))
        {
            return "ExportWorkflows needs DecisionGraphUrl (and MaxExports of at least 1)";
        }

        if (db.HookTimeout <= TimeSpan.Zero)
        {
            return "HookTimeout must be positive";
        }

        if (db.ReplayPollInterval <= TimeSpan.Zero)
        {
            return "ReplayPollInterval must be positive";
        }

        return db.RebuildTimeout <= TimeSpan.Zero ? "RebuildTimeout must be positive" : null;
    }

    /// <summary>Every problem with the settings, each naming its key. Never echoes a connection string.</summary>
    public IEnumerable<string> Problems()
    {
        if (string.IsNullOrWhiteSpace(Id) || Id.Length > 64 || !Id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            yield return "Agent:Id must be 1-64 letters, digits, '-', '_' or '.'";
        }

        if (string.IsNullOrWhiteSpace(Repository))
        {
            yield return "Agent:Repository (the backup directory) is not set";
        }

        foreach (var (key, value) in Copies.Select((c, i) => ($"Agent:Copies:{i}", c)).Prepend(("Agent:Repository", Repository)))
        {
            if (Repositories.S3Location.IsS3(value) && Repositories.S3Location.Parse(value, out var s3Problem) is null)
            {
                yield return $"{key}: {s3Problem}";
            }
        }

        var ids = Copies.Prepend(Repository).Where(r => !string.IsNullOrWhiteSpace(r)).Select(Repositories.BackupRepositories.IdOf).ToList();
        if (ids.Distinct().Count() != ids.Count)
        {
            yield return "Agent:Copies must name repositories other than Agent:Repository and each other";
        }

        if (S3.PartSizeBytes is < 5 * 1024 * 1024 or > 512 * 1024 * 1024)
        {
            yield return "Agent:S3:PartSizeBytes must be 5 MiB to 512 MiB";
        }

        foreach (var problem in Repositories.KeyRing.Load(Encryption).Problems)
        {
            yield return problem;
        }

        if (TargetLockWait <= TimeSpan.Zero || TargetLockWait > TimeSpan.FromHours(1))
        {
            yield return "Agent:TargetLockWait must be positive and at most an hour";
        }

        if (RestoreJobs is < 1 or > 64)
        {
            yield return "Agent:RestoreJobs must be 1-64";
        }

        if (CompressionLevel is < 0 or > 9)
        {
            yield return "Agent:CompressionLevel must be 0-9";
        }

        if (Databases.Count == 0)
        {
            yield return "Agent:Databases is empty: the agent would serve nothing";
        }

        for (var i = 0; i < Databases.Count; i++)
        {
            var db = Databases[i];
            if (!PgIdentifier.IsValid(db.Name)) yield return $"Agent:Databases:{i}:Name '{db.Name}' is not a valid identifier";
            if (!EnvironmentNames.IsValid(db.Environment)) yield return $"Agent:Databases:{i}:Environment '{db.Environment}' must be lower-case letters, digits and dashes";
            if (!DatabaseRoles.IsValid(db.Role)) yield return $"Agent:Databases:{i}:Role must be '{DatabaseRoles.Primary}' or '{DatabaseRoles.NonPrimary}'";
            if (ScheduleProblem(db) is { } scheduleProblem) yield return $"Agent:Databases:{i}:{scheduleProblem}";
            if (RestoreProblem(db) is { } restoreProblem) yield return $"Agent:Databases:{i}:{restoreProblem}";
            if (string.IsNullOrWhiteSpace(db.ConnectionString))
            {
                yield return $"Agent:Databases:{i}:ConnectionString is not set";
            }
            else
            {
                string? error = null;
                try { PgConnectionStrings.Normalize(db.ConnectionString); }
                catch (ArgumentException e) { error = e.Message; }
                if (error is not null) yield return $"Agent:Databases:{i}:ConnectionString: {error}";
            }
        }

        foreach (var dup in Databases.GroupBy(d => (d.Environment, d.Name)).Where(g => g.Count() > 1))
        {
            yield return $"Agent:Databases lists {dup.Key.Environment}/{dup.Key.Name} twice";
        }
    }
}

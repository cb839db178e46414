namespace Ledger.Cli;

/// <summary>
/// Every exit code dgledger returns. Pipelines branch on these, so a code never changes meaning.
/// <list type="table">
/// <item><term>0</term><description>ok</description></item>
/// <item><term>1</term><description>unexpected error (a bug, or the ledger failed with a 5xx)</description></item>
/// <item><term>2</term><description>invalid usage or input, including a 400 from the ledger</description></item>
/// <item><term>3</term><description>gate: no fresh verified backup, or the gate was denied or expired</description></item>
/// <item><term>4</term><description>diff: the databases differ</description></item>
/// <item><term>5</term><description>not found</description></item>
/// <item><term>6</term><description>unauthorized (401) or forbidden (403)</description></item>
/// <item><term>7</term><description>the ledger or a database is unreachable</description></item>
/// <item><term>8</term><description>the backup failed or failed verification</description></item>
/// <item><term>9</term><description>an interlock refused the restore (or, for a plan, would refuse it)</description></item>
/// <item><term>10</term><description>the restore failed or failed its post-restore verification</description></item>
/// <item><term>11</term><description>report: a compliance control failed (overdue drill, pass rate, RTO, a day without backup, an upgrade without pre-upgrade backup)</description></item>
/// <item><term>12</term><description>doctor: at least one check failed</description></item>
/// <item><term>124</term><description>timed out waiting</description></item>
/// <item><term>130</term><description>cancelled (Ctrl+C)</description></item>
/// </list>
/// </summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Unexpected = 1;
    public const int Usage = 2;
    public const int NoFreshBackup = 3;
    public const int DatabasesDiffer = 4;
    public const int NotFound = 5;
    public const int Unauthorized = 6;
    public const int Unreachable = 7;
    public const int BackupFailed = 8;
    public const int RestoreRefused = 9;
    public const int RestoreFailed = 10;
    public const int ComplianceFailed = 11;
    public const int DoctorFailed = 12;
    public const int TimedOut = 124;
    public const int Cancelled = 130;

    /// <summary>The codes with their meaning, in the order the help text lists them.</summary>
    public static IReadOnlyList<(int Code, string Meaning)> All { get; } =
    [
        (Ok, "ok"),
        (Unexpected, "unexpected error"),
        (Usage, "invalid usage or input (including a 400 from the ledger)"),
        (NoFreshBackup, "gate: no fresh verified backup, or the gate was denied or expired"),
        (DatabasesDiffer, "diff: databases differ"),
        (NotFound, "not found"),
        (Unauthorized, "unauthorized or forbidden: check --token / DGLEDGER_TOKEN"),
        (Unreachable, "ledger or database unreachable: check --url / DGLEDGER_URL or the database URL"),
        (BackupFailed, "backup failed or failed verification (repository import: a manifest was refused)"),
        (RestoreRefused, "restore refused by an interlock (a plan: would be refused)"),
        (RestoreFailed, "restore failed or failed verification"),
        (ComplianceFailed, "report: a compliance control failed"),
        (DoctorFailed, "doctor: a check failed"),
        (TimedOut, "timed out waiting"),
        (Cancelled, "cancelled"),
    ];
}

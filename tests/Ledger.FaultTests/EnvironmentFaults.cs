using System.Text.Json;
using Ledger.Testing.Stack;
using Xunit.Abstractions;

namespace Ledger.FaultTests;

/// <summary>
/// What the environmental-fault tests share (the source server stopped, a full filesystem, the ledger's database gone, a
/// bucket gone): waiting for an operation's end, and the checks after it, each counted in <see cref="FaultFigures"/>.
/// </summary>
public static class EnvironmentFaults
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);
    public static readonly string[] BackupFinal = ["verified", "failed", "verification-failed"];
    public static readonly string[] RestoreFinal = ["verified", "failed", "verification-failed", "refused"];

    /// <summary>A fresh repository directory path under the system's temporary directory (not created).</summary>
    public static string NewRepositoryPath() => Path.Combine(Path.GetTempPath(), "dgledger-repo-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>Waits for a final status; a timeout counts as a stuck operation.</summary>
    public static async Task<JsonElement> WaitFinalAsync(this FaultFixture fixture, string path, string[] statuses, TimeSpan? bound = null)
    {
        try
        {
            return await fixture.Stack.WaitForStatusAsync(path, bound ?? Bound, statuses);
        }
        catch (TimeoutException)
        {
            FaultFigures.Stuck();
            throw;
        }
    }

    /// <summary>A backup of <paramref name="database"/> that must end verified; its detail.</summary>
    public static async Task<JsonElement> VerifiedBackupAsync(this FaultFixture fixture, string environment, string database, AgentProcess agent)
    {
        var id = await fixture.Stack.RequestBackupAsync(environment, database);
        var detail = await fixture.WaitFinalAsync($"/api/v1/backups/{id}", BackupFinal);
        Assert.True(LedgerReads.Status(detail) == "verified", detail + Environment.NewLine + agent.Output);
        return detail;
    }

    /// <summary>
    /// After a fault: no partial file, artifact without its manifest or passfile in <paramref name="repository"/> (the agent's
    /// state directory is inside), no report appended twice, no false verified. Counted in the figures.
    /// </summary>
    public static async Task AssertNothingLeftAsync(this FaultFixture fixture, string repository, Guid streamId, ITestOutputHelper output,
        params string[] moreDirectories)
    {
        var leftovers = moreDirectories.Prepend(repository).SelectMany(d => FaultChecks.Leftovers(d, DateTime.MinValue)).ToList();
        FaultFigures.Leftovers(leftovers.Count);
        Assert.Empty(leftovers);
        var duplicates = await fixture.DuplicatesAsync(streamId);
        FaultFigures.Duplicates(duplicates);
        Assert.Equal(0, duplicates);
        var types = await fixture.EventTypesAsync(streamId);
        if (types.Any(t => t is "backup_verified" or "verification_passed"))
        {
            FaultFigures.FalseVerified();
        }

        Assert.DoesNotContain(types, t => t is "backup_verified" or "verification_passed");
        output.WriteLine($"{streamId}: {string.Join(" -> ", types)}");
    }

    /// <summary>Removes a test's repository directory (never anything outside the temporary directory's dgledger-repo-*).</summary>
    public static void RemoveRepository(string repository)
    {
        if (Directory.Exists(repository) && Path.GetFileName(repository).StartsWith("dgledger-repo-", StringComparison.Ordinal))
        {
            Directory.Delete(repository, recursive: true);
        }
    }
}

using System.Diagnostics;
using DgLedger.Bench.Infrastructure;
using DgLedger.Bench.Reporting;
using Ledger.Agent.Repositories;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Common;
using Ledger.Contracts.Restores;
using Ledger.Testing.Stack;

namespace DgLedger.Bench.Measurements;

/// <summary>
/// Measurement 9: the same backup and restore through four repositories: a local directory and an S3-compatible bucket
/// (s3rver on loopback, the server the tests use), each plain and encrypted (AES-256-GCM frames). Each run restarts the
/// agent once per repository, in an order that rotates from run to run, then takes one backup (its
/// <c>BackupTaken.DurationMs</c>: dump streamed through hash, encryption and upload, read back and hashed) and restores it
/// into an empty database (its <c>RestoreCompleted.DurationMs</c>: download and hash check, block, pg_restore, unblock).
/// Ratios are per run against the plain local repository; encryption's share is 1 - plain / encrypted.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public static class RepositoryBench
{
    private static readonly TimeSpan Timeout = TimeSpan.FromHours(2);
    private const string Bucket = "dgbench";
    private const string KeyId = "bench-key";

    private sealed record Variant(string Name, string Label, bool Bucket, bool Encrypted);

    private static readonly Variant Local = new("local directory", "local", false, false);
    private static readonly Variant LocalEncrypted = new("local directory, encrypted", "local-encrypted", false, true);
    private static readonly Variant InBucket = new("bucket (s3rver)", "bucket", true, false);
    private static readonly Variant BucketEncrypted = new("bucket (s3rver), encrypted", "bucket-encrypted", true, true);
    private static readonly Variant[] Variants = [Local, LocalEncrypted, InBucket, BucketEncrypted];

    private sealed record Run(double BackupMs, double RestoreMs, double PgRestoreMs, double ChecksumMs, long StoredBytes);

    public static async Task RunAsync(BenchContext ctx)
    {
        var services = ctx.Services!;
        await using var s3 = await S3Server.StartAsync([Bucket], ctx.Cancellation);
        var keyFile = Path.Combine(ctx.WorkDirectory, "bench.key");
        await File.WriteAllTextAsync(keyFile, KeyRing.NewKeyText(), ctx.Cancellation);
        File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var runs = Variants.ToDictionary(v => v, _ => new List<Run>());
        try
        {
            for (var run = 0; run < ctx.RunsWithWarmUp; run++)
            {
                var label = ctx.IsWarmUp(run) ? "warm-up" : $"run {ctx.RunNumber(run)}/{ctx.Options.Runs}";
                for (var i = 0; i < Variants.Length; i++)
                {
                    var variant = Variants[(i + run) % Variants.Length];
                    await services.RestartAgentAsync(Settings(variant, s3, keyFile), variant.Label, ctx.Cancellation);
                    var measured = await BackupAndRestoreAsync(ctx, s3, variant, run);
                    Progress.Say($"repository {label}, {variant.Name}: backup {Format.Ms(measured.BackupMs)}, restore {Format.Ms(measured.RestoreMs)} "
                                 + $"(pg_restore {Format.Ms(measured.PgRestoreMs)}, checksum {Format.Ms(measured.ChecksumMs)}), stored {Format.Bytes(measured.StoredBytes)}");
                    if (!ctx.IsWarmUp(run))
                    {
                        runs[variant].Add(measured);
                    }
                }
            }
        }
        finally
        {
            // The measurements after this one expect the agent as it was started: local, plain.
            await services.RestartAgentAsync(new Dictionary<string, string>(), "after-repositories", ctx.Cancellation);
        }

        Report(ctx, runs);
    }

    /// <summary>The agent's configuration for one repository (environment variables, as an operator would set them).</summary>
    private static Dictionary<string, string> Settings(Variant variant, S3Server s3, string keyFile)
    {
        var settings = new Dictionary<string, string>();
        if (variant.Bucket)
        {
            settings["Agent__Repository"] = $"s3://{Bucket}/bench";
            foreach (var (key, value) in s3.AgentSettings())
            {
                settings[key.Replace(":", "__", StringComparison.Ordinal)] = value!;
            }
        }

        if (variant.Encrypted)
        {
            settings["Agent__Encryption__ActiveKeyId"] = KeyId;
            settings["Agent__Encryption__Keys__0__Id"] = KeyId;
            settings["Agent__Encryption__Keys__0__File"] = keyFile;
        }

        return settings;
    }

    private static async Task<Run> BackupAndRestoreAsync(BenchContext ctx, S3Server s3, Variant variant, int run)
    {
        var services = ctx.Services!;
        var source = ctx.Source!;
        var accepted = await services.Client.RequestBackupAsync(ServiceProcesses.Environment, source.Name, ctx.Cancellation);
        var detail = await services.Client.WaitForBackupAsync(accepted.BackupId, Timeout, ctx.Cancellation);
        if (detail.Backup.Status != BackupStatus.Verified)
        {
            throw new InvalidOperationException(
                $"Backup {accepted.BackupId} to the {variant.Name} ended '{detail.Backup.Status.ToWire()}': {detail.Backup.FailureReason}. Agent log: {services.Agent!.LogPath}");
        }

        if (variant.Encrypted != (detail.Backup.KeyId is not null))
        {
            throw new InvalidOperationException($"Backup {accepted.BackupId} to the {variant.Name} recorded key '{detail.Backup.KeyId}'.");
        }

        var backupMs = BackupHistory.DurationMs(detail, nameof(BackupTaken));
        var target = $"rs_repo_{variant.Label.Replace('-', '_')}_{run}";
        RestoreView view;
        try
        {
            await ctx.Postgres.CreateDatabaseAsync(target, ctx.Cancellation);
            var restore = await services.Client.RequestRestoreAsync(accepted.BackupId, target, ctx.Cancellation);
            view = await services.Client.WaitForRestoreAsync(restore.RestoreId, Timeout, ctx.Cancellation);
        }
        finally
        {
            await ctx.Postgres.DropDatabaseAsync(target, ctx.Cancellation);
        }

        if (view.DurationMs is null)
        {
            throw new InvalidOperationException(
                $"Restore {view.Id} from the {variant.Name} ended '{view.Status.ToWire()}' at stage {view.FailureStage}: {view.FailureReason}");
        }

        var stored = DeleteStored(detail.Backup, s3);
        return new Run(backupMs, view.DurationMs.Value, view.RestoreMs ?? double.NaN, view.ChecksumMs ?? double.NaN, stored);
    }

    /// <summary>Removes the backup's files (artifact, manifest; in the bucket: its objects) and returns the artifact's stored size.</summary>
    private static long DeleteStored(RestorePoint backup, S3Server s3)
    {
        var files = backup.Repository is { } repository && S3Location.IsS3(repository)
            ? Directory.EnumerateFiles(Path.Combine(s3.Directory, Bucket), "*", SearchOption.AllDirectories)
                .Where(f => f.Contains(backup.Id.ToString(), StringComparison.Ordinal)).ToList()
            : new[] { backup.ArtifactPath!, RepositoryKeys.ManifestFor(backup.ArtifactPath!) }.Where(File.Exists).ToList();
        var artifact = files.Where(f => f.Contains(RepositoryKeys.ArtifactSuffix, StringComparison.Ordinal))
            .Select(f => new FileInfo(f).Length).DefaultIfEmpty(0).Max();
        foreach (var file in files)
        {
            File.Delete(file);
        }

        return artifact;
    }

    private static void Report(BenchContext ctx, Dictionary<Variant, List<Run>> runs)
    {
        Samples Of(Variant v, Func<Run, double> figure) => Samples.Of(runs[v].Select(figure));
        var results = ctx.Results;
        var localBackup = Of(Local, r => r.BackupMs);
        var localRestore = Of(Local, r => r.RestoreMs);
        foreach (var variant in Variants)
        {
            results.Figure($"repository.{variant.Label}.backup.ms", Of(variant, r => r.BackupMs));
            results.Figure($"repository.{variant.Label}.restore.ms", Of(variant, r => r.RestoreMs));
            results.Figure($"repository.{variant.Label}.checksum.ms", Of(variant, r => r.ChecksumMs));
            results.Figure($"repository.{variant.Label}.stored.bytes", Of(variant, r => r.StoredBytes));
        }

        var localNote = $"Plain local backup {Format.MsSpread(localBackup)}, restore {Format.MsSpread(localRestore)} (these runs: the agent restarted before each).";
        results.Add(new Row("9", $"backup and restore through a {Local.Name} (BackupTaken.DurationMs; RestoreCompleted.DurationMs)",
            $"backup {Format.MsSpread(localBackup)}; restore {Format.MsSpread(localRestore)}", "–", "–", "(baseline of 9a-9f)", Verdict.Info,
            "Each run restarts the agent with the repository under test (same id, same queue), in an order that rotates from run to run, then "
            + "takes one backup of the source and restores it into an empty database; the stored objects are removed after each run. "
            + $"Stored artifact: {Format.Bytes(Of(Local, r => r.StoredBytes).Median)} plain, {Format.Bytes(Of(LocalEncrypted, r => r.StoredBytes).Median)} encrypted."));

        void Compare(string id, string what, Variant variant, Variant baseline, Func<Run, double> figure, string? note = null)
        {
            var measured = Of(variant, figure);
            var against = Of(baseline, figure);
            var ratio = measured.PairedRatio(against);
            results.Figure($"repository.{id}.ratio", ratio);
            results.Add(new Row(id, what, Format.MsSpread(measured), $"{baseline.Name}: {Format.MsSpread(against)}",
                Format.RatioSpread(ratio), "(figure)", Verdict.Info, note));
        }

        Compare("9a", $"backup to a {InBucket.Name}: multipart upload while hashing, then read back and hashed", InBucket, Local, r => r.BackupMs,
            "The bucket's figure includes the read-back: every uploaded object is downloaded again and its SHA-256 checked before the backup counts as taken.");
        Compare("9b", $"restore from a {InBucket.Name}: download to a temporary file with its hash checked, then as from local", InBucket, Local, r => r.RestoreMs,
            $"Of which the download and checksum took {Format.Ms(Of(InBucket, r => r.ChecksumMs).Median)} "
            + $"(local: the checksum alone, {Format.Ms(Of(Local, r => r.ChecksumMs).Median)}); pg_restore itself {Format.Ms(Of(InBucket, r => r.PgRestoreMs).Median)} "
            + $"vs {Format.Ms(Of(Local, r => r.PgRestoreMs).Median)}.");
        Compare("9c", $"backup to a {LocalEncrypted.Name}", LocalEncrypted, Local, r => r.BackupMs, EncryptionShare(Of(LocalEncrypted, r => r.BackupMs), localBackup));
        Compare("9d", $"restore from a {LocalEncrypted.Name}: decrypted into a temporary file while it is hashed (a plain local artifact is read in place)", LocalEncrypted, Local, r => r.RestoreMs);
        Compare("9e", $"backup to a {BucketEncrypted.Name}", BucketEncrypted, InBucket, r => r.BackupMs,
            EncryptionShare(Of(BucketEncrypted, r => r.BackupMs), Of(InBucket, r => r.BackupMs)));
        Compare("9f", $"restore from a {BucketEncrypted.Name}", BucketEncrypted, Local, r => r.RestoreMs, localNote);
        results.Figure("repository.encryption.share", 1 - Of(Local, r => r.BackupMs).Median / Of(LocalEncrypted, r => r.BackupMs).Median);
    }

    private static string EncryptionShare(Samples encrypted, Samples plain)
    {
        var share = 1 - plain.Median / encrypted.Median;
        return $"Encryption's share of the encrypted backup's time: {Format.Number(100 * share, "0")}% (1 - plain / encrypted, medians; "
               + "negative means the difference is inside the run-to-run noise).";
    }
}

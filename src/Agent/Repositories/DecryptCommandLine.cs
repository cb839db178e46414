namespace Ledger.Agent.Repositories;

/// <summary>
/// <c>Ledger.Agent decrypt FILE --out FILE</c> on a host with the agent's configuration (its <c>Agent:Encryption</c> keys):
/// the plaintext of an encrypted artifact or companion export, every frame authenticated, for a restore by hand when the
/// ledger or the agent cannot do it (fetch the object with any S3 tool first, then
/// <c>pg_restore --clean --if-exists --no-owner --no-privileges</c> the output). The output is created 0600 and never
/// overwrites a file; on any failure it is removed, so a partial plaintext never looks complete. Exit 0 when decrypted,
/// 1 when the object cannot be decrypted (the reason is printed), 2 for a wrong command line.
/// </summary>
public static class DecryptCommandLine
{
    public const int Failed = 1;
    public const int Usage = 2;

    private const string Help = "usage: Ledger.Agent decrypt FILE --out FILE|- [configuration, e.g. --Agent:Encryption:Keys:0:File=...]";

    public static bool Wants(string[] args) => args.Length > 0 && args[0] == "decrypt";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, Func<Stream> standardOutput, CancellationToken ct = default)
    {
        string? input = null, destination = null;
        var configuration = new List<string>();
        for (var i = 1; i < args.Length; i++)
        {
            if (args[i] == "--out" && i + 1 < args.Length)
            {
                destination = args[++i];
            }
            else if (args[i].StartsWith("--", StringComparison.Ordinal) || input is not null)
            {
                configuration.Add(args[i]);
            }
            else
            {
                input = args[i];
            }
        }

        if (input is null || destination is null)
        {
            await error.WriteLineAsync(Help);
            return Usage;
        }

        var builder = Host.CreateApplicationBuilder(configuration.ToArray());
        var options = builder.Configuration.GetSection("Agent").Get<AgentOptions>() ?? new AgentOptions();
        var (keys, problems) = KeyRing.Load(options.Encryption);
        if (keys is null)
        {
            await error.WriteLineAsync($"decrypt: the keys of Agent:Encryption cannot be loaded: {string.Join("; ", problems)}");
            return Failed;
        }

        if (!File.Exists(input))
        {
            await error.WriteLineAsync($"decrypt: {input} does not exist");
            return Failed;
        }

        var toFile = destination != "-";
        if (toFile && File.Exists(destination))
        {
            await error.WriteLineAsync($"decrypt: {destination} exists; it is never overwritten (remove it, or name another file)");
            return Usage;
        }

        var created = false;
        try
        {
            await using var stored = new FileStream(input, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
            var start = new byte[16];
            var read = await stored.ReadAtLeastAsync(start, start.Length, throwOnEndOfStream: false, ct);
            if (!ArtifactEncryption.IsEncrypted(start.AsSpan(0, read)))
            {
                await error.WriteLineAsync($"decrypt: {input} is not encrypted (no DgLedger encryption header): use it as it is");
                return Failed;
            }

            stored.Position = 0;
            await using var plain = new DecryptingReadStream(stored, keys, expectedKeyId: null);
            if (toFile)
            {
                await using var file = Backups.Artifacts.CreateFile(destination, bufferSize: 1 << 20);
                created = true;
                await plain.CopyToAsync(file, 1 << 20, ct);
                await file.FlushAsync(ct);
                file.Flush(flushToDisk: true);
                await output.WriteLineAsync($"decrypted {input} with key '{plain.KeyId}' into {destination} ({file.Length} bytes)");
            }
            else
            {
                await using var stdout = standardOutput();
                await plain.CopyToAsync(stdout, 1 << 20, ct);
            }

            return 0;
        }
        catch (Exception e) when (e is ArtifactDecryptionException or IOException or UnauthorizedAccessException)
        {
            if (created)
            {
                Backups.Artifacts.DeleteQuietly(destination);
            }

            await error.WriteLineAsync($"decrypt: {input}: {e.Message}{(created ? $" ({destination} removed)" : "")}");
            return Failed;
        }
    }
}

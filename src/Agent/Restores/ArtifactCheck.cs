using System.Security.Cryptography;
using Ledger.Contracts.Restores;

namespace Ledger.Agent.Restores;

/// <summary>
/// The artifact, checked before anything is touched: it exists, has the recorded size (a truncated file is named as
/// such) and hashes to the recorded SHA-256 (a single flipped byte changes it).
/// </summary>
public static class ArtifactCheck
{
    /// <summary>Null when the artifact is intact; otherwise why it must not be restored.</summary>
    public static async Task<string?> ProblemAsync(RestoreArtifact artifact, CancellationToken ct)
    {
        var file = new FileInfo(artifact.ArtifactPath);
        if (!file.Exists)
        {
            return $"The artifact {artifact.ArtifactPath} does not exist.";
        }

        if (file.Length != artifact.SizeBytes)
        {
            return file.Length < artifact.SizeBytes
                ? $"The artifact is truncated: {file.Length} of the {artifact.SizeBytes} bytes recorded."
                : $"The artifact has {file.Length} bytes; {artifact.SizeBytes} were recorded.";
        }

        try
        {
            await using var stream = new FileStream(artifact.ArtifactPath, FileMode.Open, FileAccess.Read, FileShare.Read,
                bufferSize: 1 << 20, FileOptions.SequentialScan | FileOptions.Asynchronous);
            var sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct));
            return sha256 == artifact.Sha256
                ? null
                : $"SHA-256 mismatch: the backup recorded {artifact.Sha256}, the file has {sha256}.";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"The artifact cannot be read: {e.Message}";
        }
    }
}

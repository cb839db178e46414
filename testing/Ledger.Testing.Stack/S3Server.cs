using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Ledger.Testing.Stack;

/// <summary>
/// A real S3-compatible server on loopback for the tests and the bench: s3rver (npm, installed by <c>.ci/run</c> with
/// <c>npm install --prefix build/s3rver</c>) run by the machine's Node.js over a temporary directory, with the given
/// buckets. Its credentials are random per server (s3rver checks the signature's form, not the secret), so a test can
/// look for the secret in everything DgLedger wrote. <see cref="StopAsync"/> and <see cref="StartAgainAsync"/> simulate
/// an outage on the same port and data.
/// </summary>
public sealed partial class S3Server : IAsyncDisposable
{
    private readonly string _script;
    private readonly IReadOnlyList<string> _buckets;
    private Process? _process;

    private S3Server(string script, string directory, IReadOnlyList<string> buckets) =>
        (_script, Directory, _buckets) = (script, directory, buckets);

    public string Directory { get; }
    public int Port { get; private set; }
    public string Endpoint => $"http://127.0.0.1:{Port}";
    /// <summary>s3rver knows one access key id; the secret is random (it accepts any well-formed signature).</summary>
    public string AccessKeyId { get; } = "S3RVER";
    public string SecretAccessKey { get; } = "dg-s3-secret-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>The agent keys that reach this server (<c>Agent:S3:*</c>).</summary>
    public IReadOnlyDictionary<string, string?> AgentSettings() => new Dictionary<string, string?>
    {
        ["Agent:S3:Endpoint"] = Endpoint,
        ["Agent:S3:Region"] = "us-east-1",
        ["Agent:S3:ForcePathStyle"] = "true",
        ["Agent:S3:AccessKeyId"] = AccessKeyId,
        ["Agent:S3:SecretAccessKey"] = SecretAccessKey,
    };

    /// <summary>Where an object is kept on the server's disk (s3rver's filesystem store), for tests that damage one.</summary>
    public string ObjectFile(string bucket, string objectKey) => Path.Combine(Directory, bucket, objectKey.Replace('/', Path.DirectorySeparatorChar) + "._S3rver_object");

    /// <summary>The s3rver entry point: <c>DGLEDGER_S3RVER</c>, else <c>build/s3rver</c> of the repository this runs from.</summary>
    public static string? Locate()
    {
        if (Environment.GetEnvironmentVariable("DGLEDGER_S3RVER") is { Length: > 0 } configured && File.Exists(configured))
        {
            return configured;
        }

        for (var at = new DirectoryInfo(AppContext.BaseDirectory); at is not null; at = at.Parent)
        {
            var script = Path.Combine(at.FullName, "build", "s3rver", "node_modules", "s3rver", "bin", "s3rver.js");
            if (File.Exists(script))
            {
                return script;
            }
        }

        return null;
    }

    public static async Task<S3Server> StartAsync(IReadOnlyList<string> buckets, CancellationToken ct = default)
    {
        var script = Locate() ?? throw new InvalidOperationException(
            "s3rver is not installed: run `npm install --prefix build/s3rver` in the repository (.ci/run does), or set DGLEDGER_S3RVER to its bin/s3rver.js.");
        var directory = Path.Combine(Path.GetTempPath(), "dgledger-s3-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(directory);
        var server = new S3Server(script, directory, buckets);
        await server.StartProcessAsync(0, ct);
        return server;
    }

    /// <summary>Starts the server again after <see cref="StopAsync"/>, on the same port with the same data.</summary>
    public Task StartAgainAsync(CancellationToken ct = default)
    {
        _stopped = false;
        return StartProcessAsync(Port, ct);
    }

    private volatile bool _stopped;

    [GeneratedRegex(@"listening on [^:]+:(\d+)")]
    private static partial Regex Listening();

    private async Task StartProcessAsync(int port, CancellationToken ct)
    {
        var psi = new ProcessStartInfo("node")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { _script, "-d", Directory, "-a", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--silent", "--allow-mismatched-signatures", "--no-vhost-buckets" })
        {
            psi.ArgumentList.Add(argument);
        }

        foreach (var bucket in _buckets)
        {
            psi.ArgumentList.Add("--configure-bucket");
            psi.ArgumentList.Add(bucket);
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException("node could not be started");
        _process = process;
        _ = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (Listening().Match(line) is { Success: true } match)
            {
                Port = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                // s3rver was seen exiting on its own once under heavy load (connection refused for every later test):
                // unless a test stopped it on purpose, it is started again on the same port with the same data.
                process.EnableRaisingEvents = true;
                process.Exited += (_, _) =>
                {
                    if (!_stopped)
                    {
                        Console.Error.WriteLine($"s3rver on port {Port} exited by itself (exit {process.ExitCode}); starting it again");
                        _ = StartProcessAsync(Port, CancellationToken.None);
                    }
                };
                return;
            }
        }

        throw new InvalidOperationException($"s3rver exited before listening (exit {(process.HasExited ? process.ExitCode : -1)}).");
    }

    /// <summary>Kills the server (an outage): requests fail until <see cref="StartAgainAsync"/>.</summary>
    public async Task StopAsync()
    {
        _stopped = true;
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process?.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

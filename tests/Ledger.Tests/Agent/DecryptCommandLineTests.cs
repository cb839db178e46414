using System.Security.Cryptography;
using Ledger.Agent.Repositories;

namespace Ledger.Tests.Agent;

/// <summary><c>Ledger.Agent decrypt</c>: an encrypted artifact decrypted by hand with the agent's key configuration.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class when_an_operator_decrypts_an_artifact_by_hand : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("dgledger-decrypt-").FullName;
    private readonly byte[] _material = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _plain = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 77);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string KeyFile(byte[] material)
    {
        var path = Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".key");
        File.WriteAllText(path, Convert.ToBase64String(material));
        return path;
    }

    private async Task<string> EncryptedAsync()
    {
        var path = Path.Combine(_directory, "prod-app-20261202-030000-x.dump");
        await File.WriteAllBytesAsync(path, await ArtifactEncryption.EncryptAsync(_plain, KeyRing.Of([("k1", _material)]).Active!, CancellationToken.None));
        return path;
    }

    private static async Task<(int Code, string Out, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await DecryptCommandLine.RunAsync(["decrypt", .. args], output, error, () => Stream.Null);
        return (code, output.ToString(), error.ToString());
    }

    private string[] Keys(string file, string id = "k1") => [$"--Agent:Encryption:Keys:0:Id={id}", $"--Agent:Encryption:Keys:0:File={file}"];

    [Fact]
    public async Task the_plaintext_is_written_to_a_new_0600_file_and_names_the_key()
    {
        var input = await EncryptedAsync();
        var output = Path.Combine(_directory, "plain.dump");

        var (code, text, error) = await RunAsync([input, "--out", output, .. Keys(KeyFile(_material))]);

        Assert.True(code == 0, error);
        Assert.Equal(_plain, await File.ReadAllBytesAsync(output));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(output));
        Assert.Contains("with key 'k1'", text);
    }

    [Fact]
    public async Task a_wrong_key_fails_and_leaves_no_output_and_prints_no_key()
    {
        var input = await EncryptedAsync();
        var output = Path.Combine(_directory, "plain.dump");
        var wrong = RandomNumberGenerator.GetBytes(32);

        var (code, text, error) = await RunAsync([input, "--out", output, .. Keys(KeyFile(wrong))]);

        Assert.Equal(DecryptCommandLine.Failed, code);
        Assert.False(File.Exists(output));
        Assert.Contains("does not authenticate", error);
        Assert.DoesNotContain(Convert.ToBase64String(wrong), error + text);
        Assert.DoesNotContain(Convert.ToBase64String(_material), error + text);
    }

    [Fact]
    public async Task a_missing_key_id_is_named()
    {
        var input = await EncryptedAsync();

        var (code, _, error) = await RunAsync([input, "--out", Path.Combine(_directory, "plain.dump"), .. Keys(KeyFile(_material), "k2")]);

        Assert.Equal(DecryptCommandLine.Failed, code);
        Assert.Contains("key 'k1', which this agent does not have", error);
    }

    [Fact]
    public async Task a_truncated_object_leaves_no_partial_plaintext()
    {
        var input = await EncryptedAsync();
        await using (var file = new FileStream(input, FileMode.Open))
        {
            file.SetLength(file.Length - 1000);
        }

        var output = Path.Combine(_directory, "plain.dump");
        var (code, _, error) = await RunAsync([input, "--out", output, .. Keys(KeyFile(_material))]);

        Assert.Equal(DecryptCommandLine.Failed, code);
        Assert.False(File.Exists(output));
        Assert.Contains("removed", error);
    }

    [Fact]
    public async Task an_existing_output_is_never_overwritten()
    {
        var input = await EncryptedAsync();
        var output = Path.Combine(_directory, "keep.dump");
        await File.WriteAllTextAsync(output, "mine");

        var (code, _, error) = await RunAsync([input, "--out", output, .. Keys(KeyFile(_material))]);

        Assert.Equal(DecryptCommandLine.Usage, code);
        Assert.Equal("mine", await File.ReadAllTextAsync(output));
        Assert.Contains("never overwritten", error);
    }

    [Fact]
    public async Task a_plain_artifact_is_named_as_such_and_a_command_line_without_out_is_refused()
    {
        var plain = Path.Combine(_directory, "plain-artifact.dump");
        await File.WriteAllBytesAsync(plain, "PGDMP\u0001\u000e"u8.ToArray());

        var (code, _, error) = await RunAsync([plain, "--out", Path.Combine(_directory, "x.dump"), .. Keys(KeyFile(_material))]);
        Assert.Equal(DecryptCommandLine.Failed, code);
        Assert.Contains("is not encrypted", error);

        var (usage, _, help) = await RunAsync([plain]);
        Assert.Equal(DecryptCommandLine.Usage, usage);
        Assert.Contains("usage: Ledger.Agent decrypt", help);
    }
}

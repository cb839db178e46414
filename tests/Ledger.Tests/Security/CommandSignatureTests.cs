using System.Security.Cryptography;
using System.Text;
using Ledger.Agent;
using Ledger.Agent.Security;
using Ledger.Api.Security;
using Ledger.Contracts.Agents;
using Ledger.Contracts.Security;
using Microsoft.Extensions.Configuration;

namespace Ledger.Tests.Security;

public sealed class when_an_agent_checks_a_commands_signature
{
    private static readonly ECDsa Ledger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"BackupId":"1","Environment":"prod"}""");
    private static readonly Guid Id = Guid.Parse("0193a1f2-0000-7000-8000-000000000001");
    private const string Type = "Ledger.Contracts.Backups.TakeBackup";

    private static IReadOnlyDictionary<string, string> Signed(ECDsa key, string environment = "prod", DateTimeOffset? issued = null,
        TimeSpan? lifetime = null) =>
        CommandSignature.Sign(key, Type, Id, environment, issued ?? Now, (issued ?? Now) + (lifetime ?? TimeSpan.FromHours(1)), Body);

    private static CommandVerdict Verify(IReadOnlyDictionary<string, string> headers, string type = Type, Guid? id = null, string queue = "prod",
        byte[]? body = null, DateTimeOffset? now = null, IReadOnlyList<ECDsa>? keys = null) =>
        CommandSignature.Verify(keys ?? [Ledger], name => headers.GetValueOrDefault(name), type, id ?? Id, queue, ["prod", "staging"],
            body ?? Body, now ?? Now);

    [Fact]
    public void the_ledgers_signature_for_the_queue_it_arrived_on_is_valid() =>
        Assert.Equal(CommandVerdict.Valid, Verify(Signed(Ledger)));

    [Fact]
    public void no_signature_is_unsigned() => Assert.Equal(CommandVerdict.Unsigned, Verify(new Dictionary<string, string>()));

    [Fact]
    public void any_signed_field_changed_breaks_the_signature()
    {
        var headers = Signed(Ledger);
        Assert.Equal(CommandVerdict.BadSignature, Verify(headers, type: "Ledger.Contracts.Restores.RestoreBackup"));
        Assert.Equal(CommandVerdict.BadSignature, Verify(headers, id: Guid.NewGuid()));
        Assert.Equal(CommandVerdict.BadSignature, Verify(headers, body: Encoding.UTF8.GetBytes("""{"BackupId":"1","Environment":"prodx"}""")));
        Assert.Equal(CommandVerdict.BadSignature, Verify(new Dictionary<string, string>(headers) { [CommandSignature.ExpiresHeader] = (Now.AddDays(30).ToUnixTimeMilliseconds()).ToString() }));
        Assert.Equal(CommandVerdict.BadSignature, Verify(new Dictionary<string, string>(headers) { [CommandSignature.EnvironmentHeader] = "staging" }, queue: "staging"));
        Assert.Equal(CommandVerdict.BadSignature, Verify(new Dictionary<string, string>(headers) { [CommandSignature.SignatureHeader] = "not base64!" }));
    }

    [Fact]
    public void another_key_is_not_the_ledgers() =>
        Assert.Equal(CommandVerdict.BadSignature, Verify(Signed(ECDsa.Create(ECCurve.NamedCurves.nistP256))));

    [Fact]
    public void during_a_key_rotation_either_trusted_key_verifies()
    {
        var next = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.Equal(CommandVerdict.Valid, Verify(Signed(next), keys: [Ledger, next]));
    }

    [Fact]
    public void a_command_signed_for_another_queue_or_an_environment_not_served_is_refused()
    {
        Assert.Equal(CommandVerdict.WrongEnvironment, Verify(Signed(Ledger, "staging"), queue: "prod"));
        Assert.Equal(CommandVerdict.WrongEnvironment, Verify(Signed(Ledger, "dev"), queue: "dev"));
    }

    [Fact]
    public void an_expired_or_future_command_is_refused()
    {
        Assert.Equal(CommandVerdict.Expired, Verify(Signed(Ledger, lifetime: TimeSpan.FromMinutes(10)), now: Now.AddMinutes(10)));
        Assert.Equal(CommandVerdict.Valid, Verify(Signed(Ledger, issued: Now.AddMinutes(4))));
        Assert.Equal(CommandVerdict.NotYetValid, Verify(Signed(Ledger, issued: Now.AddMinutes(6))));
    }

    [Fact]
    public void the_headers_carry_a_key_id_and_never_the_key()
    {
        var headers = Signed(Ledger);
        var publicKey = Convert.ToBase64String(Ledger.ExportSubjectPublicKeyInfo());
        Assert.Equal(16, headers[CommandSignature.KeyHeader].Length);
        Assert.All(headers.Values, v => Assert.DoesNotContain(publicKey[..24], v));
    }

    [Theory]
    [InlineData("agent_prod", "prod")]
    [InlineData("agent_eu_west_1", "eu-west-1")]
    [InlineData("ledger", null)]
    [InlineData("agent_", null)]
    [InlineData("agent_Prod", null)]
    public void a_queue_name_gives_back_its_environment(string queue, string? environment)
    {
        Assert.Equal(environment, Queues.EnvironmentOf(queue));
        if (environment is not null) Assert.Equal(queue, Queues.ForEnvironment(environment));
    }
}

public sealed class when_keys_are_configured
{
    private static IConfiguration Config(params (string Key, string? Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    private static readonly AgentOptions Agent = new() { Id = "prod-1", Repository = "/tmp/r" };

    [Fact]
    public void a_ledger_without_a_signing_key_does_not_start_and_says_how_to_make_one()
    {
        var e = Assert.Throws<InvalidOperationException>(() => CommandSigner.From(Config(), TimeProvider.System));
        Assert.Contains("no command-signing key", e.Message);
        Assert.Contains("openssl genpkey", e.Message);
    }

    [Fact]
    public void a_ledger_key_that_is_not_an_ecdsa_private_key_is_refused_without_echoing_it()
    {
        var garbage = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LXRoYXQtaXMtbm90LWEta2V5\n-----END PRIVATE KEY-----";
        var e = Assert.Throws<InvalidOperationException>(() => CommandSigner.From(Config(("Ledger:CommandSigning:Key", garbage)), TimeProvider.System));
        Assert.Contains("does not hold a PEM ECDSA private key", e.Message);
        Assert.DoesNotContain("c2VjcmV0", e.Message);

        var publicOnly = CommandSigner.GenerateKeyPair().PublicKey;
        Assert.Throws<InvalidOperationException>(() => CommandSigner.From(Config(("Ledger:CommandSigning:Key", publicOnly)), TimeProvider.System));
    }

    [Fact]
    public void an_agent_without_the_ledgers_public_key_does_not_start()
    {
        var e = Assert.Throws<InvalidOperationException>(() => AgentAccess.From(Config(), Agent));
        Assert.Contains("no public key of the ledger", e.Message);
        Assert.Contains("Agent:CommandSigning:PublicKeyFile", e.Message);
    }

    [Fact]
    public void an_agent_given_the_private_key_refuses_it()
    {
        var e = Assert.Throws<InvalidOperationException>(() =>
            AgentAccess.From(Config(("Agent:CommandSigning:PublicKey", CommandSigner.GenerateKeyPair().PrivateKey)), Agent));
        Assert.Contains("must hold only the ledger's public key", e.Message);
    }

    [Fact]
    public void an_agent_reads_every_public_key_of_a_file_and_keeps_its_own_message_schema()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, CommandSigner.GenerateKeyPair().PublicKey + "\n" + CommandSigner.GenerateKeyPair().PublicKey);
            var access = AgentAccess.From(Config(("Agent:CommandSigning:PublicKeyFile", file)), Agent);
            Assert.Equal(2, access.LedgerKeys.Count);
            Assert.Equal("agent_prod_1", access.MessageSchema);
            Assert.True(access.AutoProvision);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void a_ledger_signs_what_an_agent_with_its_public_key_verifies()
    {
        var (privateKey, publicKey) = CommandSigner.GenerateKeyPair();
        var signer = CommandSigner.From(Config(("Ledger:CommandSigning:Key", privateKey), ("Ledger:CommandSigning:Lifetime", "00:10:00")), TimeProvider.System);
        var access = AgentAccess.From(Config(("Agent:CommandSigning:PublicKey", publicKey)), Agent);
        Assert.Equal(TimeSpan.FromMinutes(10), signer.Lifetime);
        Assert.Equal(signer.KeyId, access.KeyIds);
    }
}

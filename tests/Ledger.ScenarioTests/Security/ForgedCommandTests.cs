using System.Security.Cryptography;
using System.Text.Json;
using Ledger.Api.Backups;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Common;
using Ledger.Contracts.Security;
using Marten;
using Npgsql;
using Wolverine;
using Wolverine.Runtime.Serialization;

namespace Ledger.ScenarioTests.Security;

/// <summary>
/// Commands written straight into an agent's queue table, as anyone holding a role that may write there could: only what
/// the ledger signed, for that queue, unexpired, runs. The agent here is the least-privilege one (its own environment, its
/// logs captured); the ledger has the operation's stream (a BackupRequested appended by the test), as it would for a
/// command it issued.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class when_a_command_is_inserted_directly_into_an_agents_queue(LedgerFixture fixture)
{
    public enum Forgery
    {
        Unsigned,
        SignedWithAnotherKey,
        BodyAlteredAfterSigning,
        SignedForAnotherEnvironment,
        Expired,
    }

    [Theory]
    [InlineData(Forgery.Unsigned, CommandVerdict.Unsigned)]
    [InlineData(Forgery.SignedWithAnotherKey, CommandVerdict.BadSignature)]
    [InlineData(Forgery.BodyAlteredAfterSigning, CommandVerdict.BadSignature)]
    [InlineData(Forgery.SignedForAnotherEnvironment, CommandVerdict.WrongEnvironment)]
    [InlineData(Forgery.Expired, CommandVerdict.Expired)]
    public async Task a_forged_one_is_refused_nothing_is_done_and_the_refusal_is_on_the_operations_stream(Forgery forgery, CommandVerdict verdict)
    {
        await using var agent = await LeastPrivilegeAgent.CreateAsync(fixture);
        await agent.StartAsync(fixture);
        var backupId = await RequestedBackupAsync();
        var command = new TakeBackup(backupId, LeastPrivilegeAgent.Environment, LeastPrivilegeAgent.Database, BackupTriggers.Manual, null,
            DateTimeOffset.UtcNow);
        var now = DateTimeOffset.UtcNow;
        var ledgerKey = LedgerKey();

        var envelope = forgery switch
        {
            Forgery.Unsigned => Envelope(command, null),
            Forgery.SignedWithAnotherKey => Envelope(command, ECDsa.Create(ECCurve.NamedCurves.nistP256), now, now.AddHours(1)),
            Forgery.BodyAlteredAfterSigning => Altered(Envelope(command with { Database = "other" }, ledgerKey, now, now.AddHours(1)), command),
            // A command the ledger really signed for another environment's queue (here: staging's), moved into this one.
            Forgery.SignedForAnotherEnvironment => Envelope(command, ledgerKey, now, now.AddHours(1), signedFor: Contracts.Agents.Queues.UriFor(LedgerFixture.Environment)),
            Forgery.Expired => Envelope(command, ledgerKey, now.AddHours(-2), now.AddHours(-1)),
            _ => throw new ArgumentOutOfRangeException(nameof(forgery)),
        };
        await InsertAsync(envelope);

        var refused = await RefusalAsync(backupId);

        Assert.Equal(verdict, refused.Verdict);
        Assert.Equal(LeastPrivilegeAgent.AgentId, refused.AgentId);
        Assert.Equal(envelope.Id, refused.EnvelopeId);
        Assert.Equal(typeof(TakeBackup).FullName, refused.MessageType);
        Assert.Equal(LeastPrivilegeAgent.Environment, refused.Environment);
        Assert.False(string.IsNullOrWhiteSpace(refused.Reason));

        // Nothing was done: no BackupStarted (the handler never ran, so no pg_dump) and no artifact or partial file.
        Assert.Equal(["BackupRequested", "CommandRefused"], await HistoryAsync(backupId));
        Assert.Empty(Directory.Exists(agent.Repository)
            ? Directory.EnumerateFiles(agent.Repository, "*", SearchOption.AllDirectories).Where(f => f.Contains(backupId.ToString(), StringComparison.Ordinal))
            : []);

        // The refusal is logged, without any key material.
        Assert.Contains(agent.Logs.Lines, l => l.Contains("Refused") && l.Contains(envelope.Id.ToString()));
        AssertNoKeyMaterial(agent.Logs.All);
        var json = JsonSerializer.Serialize(refused);
        Assert.Contains($"\"Verdict\":\"{verdict.ToWire()}\"", json); // the wire name, as in the event store
        AssertNoKeyMaterial(json);
    }

    [Fact]
    public async Task the_same_command_signed_by_the_ledger_and_inserted_the_same_way_runs()
    {
        await using var agent = await LeastPrivilegeAgent.CreateAsync(fixture);
        await agent.StartAsync(fixture);
        var backupId = await RequestedBackupAsync();
        var command = new TakeBackup(backupId, LeastPrivilegeAgent.Environment, LeastPrivilegeAgent.Database, BackupTriggers.Manual, null,
            DateTimeOffset.UtcNow);

        await InsertAsync(Envelope(command, LedgerKey(), DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddHours(1)));

        var deadline = DateTimeOffset.UtcNow.AddMinutes(2);
        IReadOnlyList<string> history = [];
        while (DateTimeOffset.UtcNow < deadline && !history.Contains("BackupVerified"))
        {
            await Task.Delay(200);
            history = await HistoryAsync(backupId);
        }

        Assert.Equal(["BackupRequested", "BackupStarted", "BackupTaken", "BackupVerified"], history);
        AssertNoKeyMaterial(agent.Logs.All);
    }

    private ECDsa LedgerKey()
    {
        var key = ECDsa.Create();
        key.ImportFromPem(fixture.Stack.CommandKeys.PrivateKey);
        return key;
    }

    private void AssertNoKeyMaterial(string text)
    {
        foreach (var pem in new[] { fixture.Stack.CommandKeys.PrivateKey, fixture.Stack.CommandKeys.PublicKey })
        {
            foreach (var line in pem.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => !l.StartsWith("-----")))
            {
                Assert.DoesNotContain(line, text);
            }
        }

        Assert.DoesNotContain("PRIVATE KEY", text);
    }

    /// <summary>A Wolverine envelope as the ledger's sender writes it: JSON body, headers, signed when a key is given.</summary>
    private static Envelope Envelope(TakeBackup command, ECDsa? key, DateTimeOffset issued = default, DateTimeOffset expires = default, Uri? signedFor = null)
    {
        var envelope = new Envelope(command)
        {
            Id = Guid.NewGuid(),
            Data = JsonSerializer.SerializeToUtf8Bytes(command),
            ContentType = "application/json",
            Destination = Contracts.Agents.Queues.UriFor(LeastPrivilegeAgent.Environment),
            SentAt = DateTimeOffset.UtcNow,
        };
        if (key is not null)
        {
            var environment = Contracts.Agents.Queues.EnvironmentOf((signedFor ?? envelope.Destination).Host)!;
            foreach (var (name, value) in CommandSignature.Sign(key, envelope.MessageType!, envelope.Id, environment, issued, expires, envelope.Data))
            {
                envelope.Headers[name] = value;
            }
        }

        return envelope;
    }

    /// <summary>The signed envelope with its body replaced by another command's.</summary>
    private static Envelope Altered(Envelope signed, TakeBackup replacement)
    {
        signed.Data = JsonSerializer.SerializeToUtf8Bytes(replacement);
        return signed;
    }

    private async Task InsertAsync(Envelope envelope)
    {
        await using var connection = new NpgsqlConnection(fixture.Stack.LedgerConnectionString);
        await connection.OpenAsync();
        await using var insert = new NpgsqlCommand(
            $"insert into {LeastPrivilegeAgent.QueueTable} (id, body, message_type, keep_until) values ($1, $2, $3, null)", connection)
        {
            Parameters =
            {
                new NpgsqlParameter { Value = envelope.Id },
                new NpgsqlParameter { Value = EnvelopeSerializer.Serialize(envelope) },
                new NpgsqlParameter { Value = envelope.MessageType! },
            },
        };
        Assert.Equal(1, await insert.ExecuteNonQueryAsync());
    }

    private async Task<Guid> RequestedBackupAsync()
    {
        var id = Guid.NewGuid();
        await using var session = fixture.Store.LightweightSession();
        session.Events.StartStream<Backup>(id, new BackupRequested(id, LeastPrivilegeAgent.Environment, LeastPrivilegeAgent.Database,
            BackupTriggers.Manual, null, "forgery-test", DateTimeOffset.UtcNow));
        await session.SaveChangesAsync();
        return id;
    }

    private async Task<CommandRefused> RefusalAsync(Guid backupId)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while (DateTimeOffset.UtcNow < deadline)
        {
            await using var session = fixture.Store.QuerySession();
            var events = await session.Events.FetchStreamAsync(backupId);
            if (events.Select(e => e.Data).OfType<CommandRefused>().FirstOrDefault() is { } refused)
            {
                return refused;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"No CommandRefused on backup {backupId} within 60 s.");
    }

    private async Task<IReadOnlyList<string>> HistoryAsync(Guid backupId)
    {
        await using var session = fixture.Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(backupId);
        return events.Select(e => e.EventType.Name).ToList();
    }
}

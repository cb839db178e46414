using System.Text.Json;
using Ledger.Client;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Common;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Gates;
using Ledger.Contracts.Notifications;
using Ledger.Contracts.Restores;

namespace Ledger.Tests.Common;

/// <summary>The status enums keep the wire format the strings had before them, in every serializer and every parser.</summary>
public sealed class WireEnumTests
{
    [Fact]
    public void every_status_keeps_the_names_it_had_as_a_string()
    {
        Assert.Equal(["requested", "running", "taken", "verified", "failed", "verification-failed", "missed", "expired"], WireEnum.Names<BackupStatus>());
        Assert.Equal(["requested", "refused", "running", "writes-blocked", "verifying", "failed", "verified", "verification-failed", "planned"],
            WireEnum.Names<RestoreStatus>());
        Assert.Equal(["pending", "open", "denied", "expired"], WireEnum.Names<GateStatus>());
        Assert.Equal(["running", "passed", "verification-failed", "failed"], WireEnum.Names<DrillStatus>());
        Assert.Equal(["pending", "retrying", "delivered", "failed"], WireEnum.Names<DeliveryStatus>());
    }

    [Theory]
    [InlineData("verification-failed", true)]
    [InlineData("VerificationFailed", false)]
    [InlineData("5", false)]
    [InlineData("Verified", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void parsing_takes_wire_names_only(string? text, bool parsed) =>
        Assert.Equal(parsed, WireEnum.TryParse<BackupStatus>(text, out _));

    [Fact]
    public void json_carries_the_wire_name_with_default_options_and_with_the_clients()
    {
        var view = new RestorePoint { Status = BackupStatus.VerificationFailed };
        foreach (var options in new[] { new JsonSerializerOptions(), LedgerJson.Web })
        {
            var json = JsonSerializer.Serialize(view, options);
            Assert.Contains("\"verification-failed\"", json);
            Assert.Equal(BackupStatus.VerificationFailed, JsonSerializer.Deserialize<RestorePoint>(json, options)!.Status);
        }
    }

    [Fact]
    public void a_number_or_a_csharp_name_on_the_wire_is_refused()
    {
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<RestoreStatus>("3"));
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<RestoreStatus>("\"nonsense\""));
    }
}

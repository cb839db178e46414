using System.Text;
using System.Text.Json;
using Ledger.Api.Drills;
using Ledger.Contracts.Common;
using Ledger.Contracts.Drills;

namespace Ledger.Tests.Drills;

/// <summary>A drill target's outcome is a code on the wire and in events; events written before the code hold a sentence.</summary>
public sealed class when_a_drill_target_outcome_is_read_or_written
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    // As the ledger configures it (LedgerHost): enums stored as strings, which puts Marten's own enum converter in front.
    private static readonly Marten.Services.SystemTextJsonSerializer Marten = new() { EnumStorage = Weasel.Core.EnumStorage.AsString };
    private static readonly Guid Id = Guid.Parse("0193a5b0-0000-7000-8000-000000000001");

    /// <summary>As the ledger's event store holds it: Marten's System.Text.Json serializer, property names as declared.</summary>
    private static T FromMarten<T>(string json) => Marten.FromJson<T>(new MemoryStream(Encoding.UTF8.GetBytes(json)));

    [Theory]
    [InlineData(DrillTargetOutcome.Dropping, "dropping")]
    [InlineData(DrillTargetOutcome.Dropped, "dropped")]
    [InlineData(DrillTargetOutcome.Kept, "kept")]
    [InlineData(DrillTargetOutcome.KeptManaged, "kept-managed")]
    [InlineData(DrillTargetOutcome.Untouched, "untouched")]
    [InlineData(DrillTargetOutcome.DropFailed, "drop-failed")]
    public void each_code_has_one_wire_name_in_the_api_and_in_the_event_store(DrillTargetOutcome code, string name)
    {
        var view = new DrillView { Id = Id, TargetOutcome = code, TargetDetail = "words" };
        Assert.Contains($"\"targetOutcome\":\"{name}\"", JsonSerializer.Serialize(view, Web));
        Assert.Contains($"\"{name}\"", Marten.ToJson(view));
        Assert.Equal(code, JsonSerializer.Deserialize<DrillView>(JsonSerializer.Serialize(view, Web), Web)!.TargetOutcome);
        Assert.Equal(code, FromMarten<DrillView>(Marten.ToJson(view)).TargetOutcome);
    }

    [Theory]
    [InlineData("kept (--keep)", DrillTargetOutcome.Kept)]
    [InlineData("dropping", DrillTargetOutcome.Dropping)]
    [InlineData("dropped", DrillTargetOutcome.Dropped)]
    [InlineData("dropped (it was already gone)", DrillTargetOutcome.Dropped)]
    [InlineData("kept: staging/app is a managed database, which a drill never drops", DrillTargetOutcome.KeptManaged)]
    [InlineData("untouched: the restore stopped before it changed the target", DrillTargetOutcome.Untouched)]
    [InlineData("drop failed: permission denied to drop database", DrillTargetOutcome.DropFailed)]
    [InlineData("target kept: drop not implemented", DrillTargetOutcome.Kept)]
    public void an_old_events_sentence_is_read_as_its_code(string sentence, DrillTargetOutcome code)
    {
        var old = $$"""
            {"DrillId":"{{Id}}","RestoreId":"{{Id}}","Passed":true,"RtoMs":1000,"RpoSeconds":60,"Checks":[],"ManualSteps":["none"],
             "TargetOutcome":{{JsonSerializer.Serialize(sentence)}},"CompletedAt":"2026-05-01T10:00:00+00:00"}
            """;
        var completed = FromMarten<DrillCompleted>(old);
        Assert.Equal((code, (string?)null), (completed.TargetOutcome, completed.TargetDetail));

        // The view built from that old event names the code and says it in words.
        var started = DrillViewProjection.Create(new DrillStarted(Id, "staging", "app", "app_drill", Id, DateTimeOffset.UnixEpoch, [], false, "ops",
            DateTimeOffset.UnixEpoch));
        var view = DrillViewProjection.Apply(completed, started);
        Assert.Equal(code, view.TargetOutcome);
        Assert.False(string.IsNullOrWhiteSpace(view.TargetDetail));
    }

    [Fact]
    public void an_old_failure_and_an_old_stored_view_are_read_and_a_missing_outcome_stays_null()
    {
        var failed = FromMarten<DrillFailed>($$"""
            {"DrillId":"{{Id}}","RestoreId":null,"Stage":"restore","Reason":"x","FailedAt":"2026-05-01T10:00:00+00:00","TargetOutcome":"drop failed: busy"}
            """);
        Assert.Equal(DrillTargetOutcome.DropFailed, failed.TargetOutcome);
        var refused = FromMarten<DrillFailed>($$"""{"DrillId":"{{Id}}","Stage":"refused","Reason":"x","FailedAt":"2026-05-01T10:00:00+00:00"}""");
        Assert.Null(refused.TargetOutcome);

        // A view stored before codes existed: sentence, no detail, no target environment or trigger.
        var view = JsonSerializer.Deserialize<DrillView>($$"""
            {"id":"{{Id}}","environment":"staging","database":"app","targetDatabase":"app_drill","status":"passed","targetOutcome":"kept (--keep)"}
            """, Web)!;
        Assert.Equal((DrillTargetOutcome.Kept, DrillTriggers.Manual), (view.TargetOutcome, view.Trigger));
    }

    [Fact]
    public void an_old_drill_started_event_reads_as_a_manual_drill_in_its_own_environment()
    {
        var started = FromMarten<DrillStarted>($$"""
            {"DrillId":"{{Id}}","Environment":"prod","Database":"dg","TargetDatabase":"dg_drill","BackupId":"{{Id}}",
             "BackupSnapshotAt":"2026-05-01T09:00:00+00:00","ManualSteps":[],"Keep":false,"RequestedBy":"ops","StartedAt":"2026-05-01T10:00:00+00:00"}
            """);
        Assert.Equal(((string?)null, DrillTriggers.Manual), (started.TargetEnvironment, started.Trigger));
        var view = DrillViewProjection.Create(started);
        Assert.Equal(("prod", DrillTriggers.Manual), (view.TargetEnvironment, view.Trigger));
        Assert.Equal("prod", Drill.Create(started).TargetEnvironment);
    }

    [Fact]
    public void text_that_is_neither_a_code_nor_an_old_sentence_is_refused()
    {
        Assert.Null(DrillTargetOutcomes.Read("exploded"));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<DrillView>("""{"targetOutcome":"exploded"}""", Web));
    }
}

using System.Net;
using System.Text.Json;
using Ledger.Contracts.Common;
using Ledger.Contracts.Notifications;

namespace Ledger.ScenarioTests.Observability;

[Collection(ObservabilityCollection.Name)]
public sealed class when_a_backup_fails_in_an_environment_with_webhooks(ObservabilityFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task the_receiver_gets_a_signed_delivery_a_retry_after_its_500_and_a_replay_is_rejected()
    {
        var take = await fixture.RunCliAsync(Roles.Operator, "backups", "take", "--env", ObservabilityFixture.FailEnvironment,
            "--db", ObservabilityFixture.Gone, "--wait", "--timeout", "2m", "--json");
        Assert.Equal(Ledger.Cli.ExitCodes.BackupFailed, take.ExitCode);
        var backupId = JsonDocument.Parse(take.Out).RootElement.GetProperty("backup").GetProperty("id").GetString()!;

        // Background delivery: wait for the retry the receiver's 500 asked for, and for the failing webhook to give up.
        var received = await fixture.Receiver.WaitForAsync(r =>
            r.Count(x => x.Path == "/hook" && x.Body.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(backupId)) >= 0) >= 2
            && r.Count(x => x.Path == "/always-500") >= 3, TimeSpan.FromMinutes(2));
        var hook = received.Where(x => x.Path == "/hook").ToList();
        Assert.Equal(2, hook.Count);
        Assert.Equal([500, 200], hook.Select(x => x.Answered));
        Assert.All(hook, x => Assert.Equal(SignatureVerdict.Valid, x.Verdict));
        Assert.Equal(hook[0].Delivery, hook[1].Delivery);
        Assert.NotEqual(hook[0].Signature, hook[1].Signature); // a retry is signed afresh
        Assert.All(hook, x => Assert.Equal(NotificationKinds.BackupFailed, x.Kind));

        var notification = JsonSerializer.Deserialize<Notification>(hook[1].Body, Json)!;
        Assert.Equal(NotificationKinds.BackupFailed, notification.Kind);
        Assert.Equal(ObservabilityFixture.FailEnvironment, notification.Environment);
        Assert.Equal(ObservabilityFixture.Gone, notification.Database);
        Assert.Equal(backupId, notification.Subject);
        Assert.Contains("source database", notification.Details["reason"]);

        // The slack-format webhook got {"text": ...}, signed the same way, three times (1 + 2 retries), then gave up.
        var slack = received.Where(x => x.Path == "/always-500").ToList();
        Assert.Equal(3, slack.Count);
        Assert.All(slack, x => Assert.Equal(SignatureVerdict.Valid, x.Verdict));
        Assert.StartsWith("*DgLedger: backup-failed* (obs-fail/gone)", JsonDocument.Parse(slack[0].Body).RootElement.GetProperty("text").GetString());

        // Replaying the delivered request as captured: the receiver's rule (same signature within the window) rejects it.
        using var replay = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(fixture.Receiver.Url, "/hook")) { Content = new ByteArrayContent(hook[1].Body) };
        request.Headers.Add(WebhookSignature.TimestampHeader, hook[1].Timestamp);
        request.Headers.Add(WebhookSignature.SignatureHeader, hook[1].Signature);
        request.Headers.Add(WebhookSignature.DeliveryHeader, hook[1].Delivery);
        using var answer = await replay.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
        Assert.Equal(SignatureVerdict.Replayed, fixture.Receiver.Received.Last().Verdict);

        // Deliveries are visible: the delivered one with its two attempts, the failed one through the CLI; no URL or secret.
        var delivered = await WaitForDeliveryAsync("receiver", DeliveryStatus.Delivered, backupId);
        Assert.Equal(2, delivered.Attempts);
        Assert.Equal(200, delivered.LastStatusCode);
        var failed = await WaitForDeliveryAsync("always-failing", DeliveryStatus.Failed, backupId);
        Assert.Equal(3, failed.Attempts);
        Assert.Equal(500, failed.LastStatusCode);

        var list = await fixture.RunCliAsync(Roles.Reader, "notifications", "list", "--status", "failed");
        Assert.Equal(0, list.ExitCode);
        Assert.Contains("always-failing", list.Out);
        Assert.Contains("HTTP 500", list.Out);
        var json = await fixture.RunCliAsync(Roles.Reader, "notifications", "list", "--env", ObservabilityFixture.FailEnvironment, "--json");
        Assert.Equal(0, json.ExitCode);
        Assert.Contains(JsonSerializer.Deserialize<Page<WebhookDelivery>>(json.Out, Json)!.Items, d => d.Id == delivered.Id);
        foreach (var output in new[] { list.Out, list.Error, json.Out, take.Out, take.Error })
        {
            Assert.DoesNotContain(ObservabilityFixture.WebhookSecret, output);
            Assert.DoesNotContain(fixture.Receiver.Url.Authority, output);
        }
    }

    private async Task<WebhookDelivery> WaitForDeliveryAsync(string webhook, DeliveryStatus status, string subject)
    {
        using var client = fixture.Stack.Client(Roles.Reader);
        var deadline = DateTimeOffset.UtcNow.AddMinutes(1);
        while (true)
        {
            var page = JsonSerializer.Deserialize<Page<WebhookDelivery>>(
                await client.GetStringAsync($"/api/v1/notifications/deliveries?webhook={webhook}&environment={ObservabilityFixture.FailEnvironment}"), Json)!;
            var found = page.Items.FirstOrDefault(d => d.Subject == subject);
            if (found?.Status == status || DateTimeOffset.UtcNow > deadline)
            {
                Assert.NotNull(found);
                Assert.Equal(status, found.Status);
                return found;
            }

            await Task.Delay(200);
        }
    }
}

using System.Net.Http.Json;
using System.Text.Json;
using Ledger.Testing.Stack;

namespace Ledger.FaultTests;

/// <summary>What the fault tests read from the ledger, as the wire shows it (status strings, not the contracts' types).</summary>
public static class LedgerReads
{
    public static async Task<JsonElement> GetAsync(this EmbeddedStack stack, string path)
    {
        using var client = stack.Client(Ledger.Contracts.Common.Roles.Reader);
        return await client.GetFromJsonAsync<JsonElement>(path);
    }

    public static async Task<Guid> RequestBackupAsync(this EmbeddedStack stack, string environment, string database)
    {
        using var client = stack.Client(Ledger.Contracts.Common.Roles.Operator);
        var response = await client.PostAsJsonAsync("/api/v1/backups", new { environment, database });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("backupId").GetGuid();
    }

    /// <summary>Polls <paramref name="path"/> until its <c>status</c> is one of <paramref name="statuses"/>; returns the document.</summary>
    public static async Task<JsonElement> WaitForStatusAsync(this EmbeddedStack stack, string path, TimeSpan timeout, params string[] statuses)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        JsonElement last = default;
        while (DateTimeOffset.UtcNow < deadline)
        {
            last = await stack.GetAsync(path);
            var status = Status(last);
            if (statuses.Contains(status))
            {
                return last;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"{path} did not reach {string.Join(" or ", statuses)} within {timeout}: {last}");
    }

    /// <summary>The status of a backup detail (<c>backup.status</c>) or of a restore or drill view (<c>status</c>).</summary>
    public static string Status(JsonElement document) =>
        document.TryGetProperty("backup", out var backup) ? backup.GetProperty("status").GetString()! : document.GetProperty("status").GetString()!;
}

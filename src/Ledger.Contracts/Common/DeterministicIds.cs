using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Ledger.Contracts.Common;

/// <summary>
/// DgLedger's one deterministic id scheme, for streams that every node and every repeated request must meet on (a gate
/// per environment, database and target release; a scheduled backup or drill per occurrence): the first 16 bytes of SHA-256 over
/// "dgledger-" + the scope and its parts, one per line, stamped as an RFC 9562 version-8 (custom) UUID.
/// </summary>
public static class DeterministicIds
{
    public static Guid For(string scope, params string[] parts)
    {
        ArgumentException.ThrowIfNullOrEmpty(scope);
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes("dgledger-" + scope + "\n" + string.Join('\n', parts)));
        var guid = bytes.AsSpan(0, 16).ToArray();
        guid[6] = (byte)((guid[6] & 0x0F) | 0x80); // version 8: custom
        guid[8] = (byte)((guid[8] & 0x3F) | 0x80); // RFC 9562 variant
        return new Guid(guid, bigEndian: true);
    }

    /// <summary>The backup of one scheduled occurrence (its instant in UTC ticks, whatever offset it is written with).</summary>
    public static Guid ScheduledBackup(string environment, string database, DateTimeOffset occurrence) =>
        For("scheduled", environment, database, occurrence.UtcTicks.ToString(CultureInfo.InvariantCulture));

    /// <summary>The drill of one scheduled occurrence of a database's drill schedule.</summary>
    public static Guid ScheduledDrill(string environment, string database, DateTimeOffset occurrence) =>
        For("scheduled-drill", environment, database, occurrence.UtcTicks.ToString(CultureInfo.InvariantCulture));

    /// <summary>The gate of one (environment, database, target release): concurrent requests meet on its stream.</summary>
    public static Guid Gate(string environment, string database, string targetRelease) =>
        For("gate", environment, database, targetRelease);
}

using System.Text.RegularExpressions;

namespace Ledger.Postgres;

/// <summary>
/// SQL identifiers (database, role, schema names) that come from users or configuration: validated against a
/// deliberately narrow ASCII grammar, then quoted. Nothing outside this grammar is ever spliced into SQL.
/// </summary>
public static partial class PgIdentifier
{
    /// <summary>PostgreSQL's NAMEDATALEN - 1: longer names are silently truncated by the server.</summary>
    public const int MaxLength = 63;

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_$]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex Grammar();

    /// <summary>True when <paramref name="name"/> is ASCII <c>[A-Za-z_][A-Za-z0-9_$]*</c> and at most 63 bytes.</summary>
    public static bool IsValid(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= MaxLength && Grammar().IsMatch(name);

    /// <summary>Throws an <see cref="ArgumentException"/> naming <paramref name="field"/> when the name is not valid.</summary>
    public static void EnsureValid(string? name, string field)
    {
        if (IsValid(name))
        {
            return;
        }

        var reason = name switch
        {
            null or "" => "it is empty",
            { Length: > MaxLength } => $"it is {name.Length} characters long, PostgreSQL keeps at most {MaxLength}",
            _ => "it must start with a letter or underscore and contain only ASCII letters, digits, '_' or '$'",
        };
        throw new ArgumentException($"{field} is not a valid PostgreSQL identifier: {reason}.", field);
    }

    /// <summary>Validates the name, then returns it double-quoted (embedded quotes doubled) for use in SQL.</summary>
    public static string Quote(string name)
    {
        EnsureValid(name, nameof(name));
        return "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }
}

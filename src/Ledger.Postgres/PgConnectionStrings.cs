using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;

namespace Ledger.Postgres;

/// <summary>
/// One way in for PostgreSQL addresses: a libpq URI (<c>postgresql://user:pass@host:5432/db?sslmode=require</c>,
/// also <c>postgres://</c>), a libpq keyword string (<c>host=h user=u dbname=d</c>) or an Npgsql connection string
/// (<c>Host=h;Username=u</c>) all become an Npgsql connection string. Error messages never repeat a password.
/// </summary>
public static partial class PgConnectionStrings
{
    public const int DefaultPort = 5432;

    private const string Problem = "not a PostgreSQL URL or connection string: ";

    /// <summary>Returns the Npgsql connection string for a URI or keyword connection string; the port is always explicit.</summary>
    /// <exception cref="ArgumentException">The input cannot be read; the message names the problem, never the password.</exception>
    public static string Normalize(string urlOrConnectionString) => Parse(urlOrConnectionString).ConnectionString;

    /// <summary>
    /// A display form without secrets, e.g. <c>postgresql://dg@127.0.0.1:5432/app</c>. Never throws: input that cannot be
    /// read is shown as a fixed placeholder, since this is meant for logs and error messages.
    /// </summary>
    public static string Redact(string urlOrConnectionString)
    {
        try
        {
            return ToDisplayUri(Parse(urlOrConnectionString));
        }
        catch (ArgumentException)
        {
            return "(unreadable PostgreSQL connection string)";
        }
    }

    /// <summary>The same connection, pointed at another database. Accepts the URI form too; returns the Npgsql form.</summary>
    public static string WithDatabase(string connectionString, string database)
    {
        if (string.IsNullOrWhiteSpace(database))
        {
            throw new ArgumentException("The database name is empty.", nameof(database));
        }

        var builder = Parse(connectionString);
        builder.Database = database;
        return builder.ConnectionString;
    }

    /// <summary>True when both address the same server (host, case-insensitive, and port), whatever database or user.</summary>
    public static bool SameServer(string a, string b)
    {
        var (x, y) = (Parse(a), Parse(b));
        return string.Equals(x.Host, y.Host, StringComparison.OrdinalIgnoreCase) && x.Port == y.Port;
    }

    /// <summary>The database a connection string names.</summary>
    public static string? DatabaseOf(string connectionString) => Parse(connectionString).Database;

    /// <summary>Parses any accepted form into a builder (a fresh one each call, safe to modify).</summary>
    internal static NpgsqlConnectionStringBuilder Parse(string urlOrConnectionString)
    {
        if (string.IsNullOrWhiteSpace(urlOrConnectionString))
        {
            throw new ArgumentException(Problem + "it is empty.", nameof(urlOrConnectionString));
        }

        var input = urlOrConnectionString.Trim();
        var guard = new SecretGuard(input);
        var collected = new Collected(guard);

        var scheme = SchemePrefix().Match(input);
        if (scheme.Success)
        {
            ParseUri(input, scheme, collected);
        }
        else if (!input.Contains('=', StringComparison.Ordinal))
        {
            throw collected.Bad("expected a postgresql:// URL or key=value pairs");
        }
        else if (input.Contains(';', StringComparison.Ordinal) || !TryParseLibpqKeywords(input, collected))
        {
            ParseNpgsqlKeywords(input, collected);
        }

        return collected.Build();
    }

    /// <summary>Every host of a (normalized) connection string with its port, in order.</summary>
    internal static IReadOnlyList<PgEndpoint> Endpoints(NpgsqlConnectionStringBuilder builder)
    {
        if (string.IsNullOrEmpty(builder.Host))
        {
            return [];
        }

        var result = new List<PgEndpoint>();
        foreach (var entry in builder.Host.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (host, port) = SplitHostEntry(entry) ?? (entry, null);
            result.Add(new PgEndpoint(host, port ?? builder.Port));
        }

        return result;
    }

    internal static bool IsSocketDirectory(string host) => host.StartsWith('/');

    internal static string ToDisplayUri(NpgsqlConnectionStringBuilder builder)
    {
        var text = new StringBuilder("postgresql://");
        if (!string.IsNullOrEmpty(builder.Username))
        {
            text.Append(Uri.EscapeDataString(builder.Username)).Append('@');
        }

        var endpoints = Endpoints(builder);
        var sockets = endpoints.Where(e => IsSocketDirectory(e.Host)).ToList();
        var tcp = endpoints.Where(e => !IsSocketDirectory(e.Host)).ToList();
        text.AppendJoin(',', tcp.Select(e => $"{FormatHost(e.Host)}:{e.Port.ToString(CultureInfo.InvariantCulture)}"));
        text.Append('/');
        if (!string.IsNullOrEmpty(builder.Database))
        {
            text.Append(Uri.EscapeDataString(builder.Database));
        }

        var query = new List<string>();
        if (sockets.Count > 0)
        {
            query.Add("host=" + string.Join(',', sockets.Select(s => s.Host)));
            query.Add("port=" + sockets[0].Port.ToString(CultureInfo.InvariantCulture));
        }

        if (builder.SslMode != SslMode.Prefer)
        {
            query.Add("sslmode=" + LibpqSslMode(builder.SslMode));
        }

        if (query.Count > 0)
        {
            text.Append('?').AppendJoin('&', query);
        }

        return text.ToString();
    }

    internal static string LibpqSslMode(SslMode mode) => mode switch
    {
        SslMode.Disable => "disable",
        SslMode.Allow => "allow",
        SslMode.Prefer => "prefer",
        SslMode.Require => "require",
        SslMode.VerifyCA => "verify-ca",
        SslMode.VerifyFull => "verify-full",
        _ => "prefer",
    };

    private static string FormatHost(string host) => host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host;

    [GeneratedRegex(@"^([A-Za-z][A-Za-z0-9+.\-]*)://", RegexOptions.CultureInvariant)]
    private static partial Regex SchemePrefix();

    // ---- URI ---------------------------------------------------------------------------------------------------

    private static void ParseUri(string input, Match schemeMatch, Collected collected)
    {
        var scheme = schemeMatch.Groups[1].Value;
        if (!scheme.Equals("postgresql", StringComparison.OrdinalIgnoreCase)
            && !scheme.Equals("postgres", StringComparison.OrdinalIgnoreCase))
        {
            throw collected.Bad($"unknown scheme {collected.Echo(scheme)} (expected postgresql:// or postgres://)");
        }

        var rest = input[schemeMatch.Length..];
        var fragment = rest.IndexOf('#', StringComparison.Ordinal);
        if (fragment >= 0)
        {
            rest = rest[..fragment];
        }

        var authorityEnd = rest.IndexOfAny(['/', '?']);
        var authority = authorityEnd < 0 ? rest : rest[..authorityEnd];
        var afterAuthority = authorityEnd < 0 ? "" : rest[authorityEnd..];

        var at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            var userInfo = authority[..at];
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            var user = colon < 0 ? userInfo : userInfo[..colon];
            if (user.Length > 0)
            {
                collected.Apply("user", Decode(user, "user name", collected));
            }

            if (colon >= 0)
            {
                collected.Apply("password", Decode(userInfo[(colon + 1)..], "password", collected));
            }

            authority = authority[(at + 1)..];
        }

        if (authority.Length > 0)
        {
            foreach (var entry in authority.Split(','))
            {
                collected.AddUriHost(entry);
            }
        }

        var query = "";
        var questionMark = afterAuthority.IndexOf('?', StringComparison.Ordinal);
        var path = questionMark < 0 ? afterAuthority : afterAuthority[..questionMark];
        if (questionMark >= 0)
        {
            query = afterAuthority[(questionMark + 1)..];
        }

        if (path.Length > 1)
        {
            collected.Apply("dbname", Decode(path[1..], "database name", collected));
        }

        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw collected.Bad($"query parameter {collected.Echo(pair)} has no value");
            }

            var key = Decode(pair[..equals], "query parameter name", collected);
            collected.Apply(key, Decode(pair[(equals + 1)..], $"value of query parameter '{key}'", collected));
        }
    }

    private static string Decode(string value, string what, Collected collected)
    {
        if (!value.Contains('%', StringComparison.Ordinal))
        {
            return value;
        }

        if (!PercentEncodingIsWellFormed().IsMatch(value))
        {
            throw collected.Bad($"invalid percent-encoding in the {what}");
        }

        return Uri.UnescapeDataString(value);
    }

    [GeneratedRegex(@"^(?:[^%]|%[0-9A-Fa-f]{2})*\z", RegexOptions.CultureInvariant)]
    private static partial Regex PercentEncodingIsWellFormed();

    // ---- keyword forms -----------------------------------------------------------------------------------------

    /// <summary>libpq's <c>key=value key='quoted value'</c> form; false when it does not look like one.</summary>
    private static bool TryParseLibpqKeywords(string input, Collected collected)
    {
        var pairs = new List<(string Key, string Value)>();
        var i = 0;
        while (true)
        {
            while (i < input.Length && char.IsWhiteSpace(input[i]))
            {
                i++;
            }

            if (i == input.Length)
            {
                break;
            }

            var keyStart = i;
            while (i < input.Length && (char.IsAsciiLetterOrDigit(input[i]) || input[i] == '_'))
            {
                i++;
            }

            var key = input[keyStart..i];
            while (i < input.Length && char.IsWhiteSpace(input[i]))
            {
                i++;
            }

            if (key.Length == 0 || i == input.Length || input[i] != '=' || !LibpqKeywords.Contains(key))
            {
                return false;
            }

            i++;
            while (i < input.Length && char.IsWhiteSpace(input[i]))
            {
                i++;
            }

            var value = new StringBuilder();
            if (i < input.Length && input[i] == '\'')
            {
                i++;
                var closed = false;
                while (i < input.Length)
                {
                    var c = input[i++];
                    if (c == '\\' && i < input.Length)
                    {
                        value.Append(input[i++]);
                    }
                    else if (c == '\'')
                    {
                        closed = true;
                        break;
                    }
                    else
                    {
                        value.Append(c);
                    }
                }

                if (!closed)
                {
                    return false;
                }
            }
            else
            {
                while (i < input.Length && !char.IsWhiteSpace(input[i]))
                {
                    var c = input[i++];
                    value.Append(c == '\\' && i < input.Length ? input[i++] : c);
                }
            }

            pairs.Add((key, value.ToString()));
        }

        if (pairs.Count == 0)
        {
            return false;
        }

        foreach (var (key, value) in pairs)
        {
            collected.Apply(key, value);
        }

        return true;
    }

    private static void ParseNpgsqlKeywords(string input, Collected collected)
    {
        var generic = new DbConnectionStringBuilder();
        try
        {
            generic.ConnectionString = input;
        }
        catch (ArgumentException)
        {
            throw collected.Bad("malformed key=value connection string (quote values that contain ';', '=' or quotes)");
        }

        foreach (string key in generic.Keys)
        {
            collected.Apply(key, Convert.ToString(generic[key], CultureInfo.InvariantCulture) ?? "");
        }
    }

    private static readonly HashSet<string> LibpqKeywords = new(StringComparer.Ordinal)
    {
        "host", "hostaddr", "port", "dbname", "user", "password", "passfile", "sslmode", "sslrootcert", "sslcert",
        "sslkey", "sslpassword", "application_name", "fallback_application_name", "connect_timeout", "options",
        "target_session_attrs", "client_encoding", "keepalives", "keepalives_idle", "keepalives_interval",
        "keepalives_count", "gssencmode", "channel_binding", "sslcompression", "krbsrvname", "service",
    };

    /// <summary>
    /// Splits <c>host:port</c> or <c>[v6]:port</c>; a bare host (including a bare IPv6 address or a socket path) has no
    /// port. Null when the entry has a port part that is not a number.
    /// </summary>
    private static (string Host, int? Port)? SplitHostEntry(string entry)
    {
        if (entry.StartsWith('['))
        {
            var close = entry.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return null;
            }

            var host = entry[1..close];
            var tail = entry[(close + 1)..];
            if (tail.Length == 0)
            {
                return (host, null);
            }

            return tail[0] == ':' && TryParsePort(tail[1..], out var p) ? (host, p) : null;
        }

        var colon = entry.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || IsSocketDirectory(entry) || entry.IndexOf(':', colon + 1) >= 0)
        {
            return (entry, null); // no port, a socket path, or a bare IPv6 address
        }

        return TryParsePort(entry[(colon + 1)..], out var port) ? (entry[..colon], port) : null;
    }

    private static bool TryParsePort(string text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is > 0 and <= 65535;

    /// <summary>What a parse has gathered so far; hosts and ports are assembled at the end.</summary>
    private sealed class Collected(SecretGuard guard)
    {
        private readonly NpgsqlConnectionStringBuilder _builder = new();
        private readonly List<(string Host, int? Port)> _hosts = [];
        private List<int>? _ports;

        public ArgumentException Bad(string reason) =>
            new(Problem + guard.Scrub(reason) + ".", "urlOrConnectionString");

        public string Echo(string fragment) => guard.Echo(fragment);

        public void AddUriHost(string entry)
        {
            if (entry.Length == 0)
            {
                return;
            }

            var split = entry.StartsWith('[') || entry.Count(c => c == ':') <= 1 ? SplitHostEntry(entry) : null;
            if (split is null)
            {
                throw Bad(entry.StartsWith('[')
                    ? (entry.Contains(']', StringComparison.Ordinal)
                        ? $"invalid port after the IPv6 address {Echo(entry)} (expected a number from 1 to 65535)"
                        : "an IPv6 address in brackets is missing its ']'")
                    : entry.Count(c => c == ':') > 1
                        ? "an IPv6 address in a URL must be written in brackets, like [::1]:5432"
                        : $"invalid port in host {Echo(entry)} (expected a number from 1 to 65535)");
            }

            var (host, port) = split.Value;
            _hosts.Add((Decode(host, "host", this), port));
        }

        public void Apply(string key, string value)
        {
            guard.AddSecretIfPassword(key, value);
            switch (key.Trim().ToLowerInvariant())
            {
                case "host" or "server" or "hostaddr":
                    if (key.Equals("hostaddr", StringComparison.OrdinalIgnoreCase) && _hosts.Count > 0)
                    {
                        return; // libpq: hostaddr only saves a DNS lookup when host is given
                    }

                    _hosts.Clear();
                    foreach (var entry in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        var split = SplitHostEntry(entry)
                            ?? throw Bad($"invalid port in host {Echo(entry)} (expected a number from 1 to 65535)");
                        _hosts.Add(split);
                    }

                    return;
                case "port":
                    var ports = new List<int>();
                    foreach (var text in value.Split(',', StringSplitOptions.TrimEntries))
                    {
                        if (!TryParsePort(text, out var port))
                        {
                            throw Bad($"invalid port {Echo(text)} (expected a number from 1 to 65535)");
                        }

                        ports.Add(port);
                    }

                    _ports = ports;
                    return;
                case "dbname":
                    _builder.Database = value;
                    return;
                case "user":
                    _builder.Username = value;
                    return;
                case "sslmode" or "ssl mode":
                    _builder.SslMode = ParseSslMode(value);
                    return;
                case "sslrootcert":
                    _builder.RootCertificate = value;
                    return;
                case "sslcert":
                    _builder.SslCertificate = value;
                    return;
                case "sslkey":
                    _builder.SslKey = value;
                    return;
                case "sslpassword":
                    _builder.SslPassword = value;
                    return;
                case "application_name":
                    _builder.ApplicationName = value;
                    return;
                case "fallback_application_name":
                    _builder.ApplicationName ??= value;
                    return;
                case "connect_timeout":
                    SetViaNpgsql("Timeout", value, key);
                    return;
                case "target_session_attrs":
                    SetViaNpgsql("Target Session Attributes", value, key);
                    return;
                case "client_encoding":
                    _builder.ClientEncoding = value;
                    return;
                case "keepalives" or "keepalives_interval" or "keepalives_count" or "gssencmode" or "channel_binding"
                    or "sslcompression" or "krbsrvname":
                    return; // libpq tuning with no Npgsql equivalent that matters here
                case "keepalives_idle":
                    SetViaNpgsql("Keepalive", value, key);
                    return;
                case "service":
                    throw Bad("libpq service files (service=...) are not supported; give host, port, user and dbname");
                default:
                    SetViaNpgsql(key, value, key);
                    return;
            }
        }

        private SslMode ParseSslMode(string value) => value.Trim().ToLowerInvariant() switch
        {
            "disable" => SslMode.Disable,
            "allow" => SslMode.Allow,
            "prefer" => SslMode.Prefer,
            "require" => SslMode.Require,
            "verify-ca" or "verifyca" => SslMode.VerifyCA,
            "verify-full" or "verifyfull" => SslMode.VerifyFull,
            _ => throw Bad($"invalid sslmode {Echo(value)} (expected disable, allow, prefer, require, verify-ca or verify-full)"),
        };

        private void SetViaNpgsql(string npgsqlKey, string value, string originalKey)
        {
            if (!_builder.ContainsKey(npgsqlKey) && !IsKnownNpgsqlKey(npgsqlKey))
            {
                throw Bad($"unknown parameter {Echo(originalKey)}");
            }

            try
            {
                _builder[npgsqlKey] = value;
            }
            catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException)
            {
                throw Bad($"invalid value for {Echo(originalKey)}");
            }
        }

        private static bool IsKnownNpgsqlKey(string key)
        {
            try
            {
                // The indexer's getter accepts every keyword and synonym Npgsql knows and throws for anything else.
                _ = new NpgsqlConnectionStringBuilder()[key];
                return true;
            }
            catch (ArgumentException)
            {
                return false;
            }
        }

        public NpgsqlConnectionStringBuilder Build()
        {
            var ports = _ports ?? [];
            if (ports.Count > 1 && ports.Count != Math.Max(_hosts.Count, 1))
            {
                throw Bad($"{ports.Count} ports given for {_hosts.Count} hosts");
            }

            int PortFor(int index, int? own) => own ?? (ports.Count == 0 ? DefaultPort : ports[ports.Count == 1 ? 0 : index]);

            if (_hosts.Count <= 1)
            {
                if (_hosts.Count == 1)
                {
                    if (_hosts[0].Host.Length == 0)
                    {
                        throw Bad("the host is empty");
                    }

                    _builder.Host = _hosts[0].Host;
                }

                _builder.Port = PortFor(0, _hosts.Count == 1 ? _hosts[0].Port : null);
            }
            else
            {
                _builder.Host = string.Join(',', _hosts.Select((h, i) =>
                    $"{FormatHost(h.Host)}:{PortFor(i, h.Port).ToString(CultureInfo.InvariantCulture)}"));
                _builder.Port = DefaultPort;
            }

            return _builder;
        }
    }

    /// <summary>
    /// Knows which parts of the raw input could be a password (a parsed one, the URI's user-info section, everything
    /// after a password keyword) and keeps them out of every message, even when the input is too broken to parse.
    /// </summary>
    private sealed partial class SecretGuard
    {
        private readonly List<string> _suspects = [];

        public SecretGuard(string input)
        {
            var scheme = input.IndexOf("://", StringComparison.Ordinal);
            var lastAt = input.LastIndexOf('@');
            if (scheme >= 0 && lastAt > scheme)
            {
                AddSuspect(input[(scheme + 3)..lastAt]);
            }

            foreach (Match m in PasswordKeyword().Matches(input))
            {
                AddSuspect(input[(m.Index + m.Length)..]);
            }
        }

        [GeneratedRegex(@"(pass\w*|pwd|psw)\s*=", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
        private static partial Regex PasswordKeyword();

        private void AddSuspect(string text)
        {
            if (text.Length == 0)
            {
                return;
            }

            _suspects.Add(text);
            try
            {
                var decoded = Uri.UnescapeDataString(text);
                if (decoded != text)
                {
                    _suspects.Add(decoded);
                }
            }
            catch (UriFormatException)
            {
                // keep the raw form only
            }
        }

        public void AddSecretIfPassword(string key, string value)
        {
            var k = key.Trim().ToLowerInvariant();
            if (k is "password" or "pwd" or "psw" or "sslpassword" or "ssl password" && value.Length > 0)
            {
                _suspects.Add(value);
            }
        }

        /// <summary>A quoted fragment of the input, or a neutral word when the fragment could be part of a secret.</summary>
        public string Echo(string fragment) =>
            fragment.Length == 0 || _suspects.Any(s => s.Contains(fragment, StringComparison.OrdinalIgnoreCase) || fragment.Contains(s, StringComparison.OrdinalIgnoreCase))
                ? "(value hidden)"
                : $"'{fragment}'";

        public string Scrub(string message)
        {
            foreach (var secret in _suspects.Where(s => s.Length >= 3))
            {
                message = message.Replace(secret, "***", StringComparison.OrdinalIgnoreCase);
            }

            return message;
        }
    }
}

/// <summary>One host of a connection string and its port; a host starting with '/' is a unix socket directory.</summary>
internal sealed record PgEndpoint(string Host, int Port);

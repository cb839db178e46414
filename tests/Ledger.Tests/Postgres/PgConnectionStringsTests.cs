using Ledger.Postgres;
using Npgsql;

namespace Ledger.Tests.Postgres;

public class when_normalizing_a_postgresql_url
{
    private static NpgsqlConnectionStringBuilder Normalized(string input) => new(PgConnectionStrings.Normalize(input));

    [Fact]
    public void it_reads_user_password_host_port_database_and_libpq_parameters()
    {
        var b = Normalized("postgresql://dg:s3cret@db.example.com:6543/app?sslmode=require&application_name=ledger&connect_timeout=7");

        Assert.Equal("db.example.com", b.Host);
        Assert.Equal(6543, b.Port);
        Assert.Equal("dg", b.Username);
        Assert.Equal("s3cret", b.Password);
        Assert.Equal("app", b.Database);
        Assert.Equal(SslMode.Require, b.SslMode);
        Assert.Equal("ledger", b.ApplicationName);
        Assert.Equal(7, b.Timeout);
    }

    [Theory]
    [InlineData("postgres://dg@localhost/app")]
    [InlineData("POSTGRESQL://dg@localhost/app")]
    public void it_accepts_the_postgres_scheme_alias_in_any_case(string url)
    {
        var b = Normalized(url);

        Assert.Equal("localhost", b.Host);
        Assert.Equal("app", b.Database);
    }

    [Fact]
    public void it_makes_a_missing_port_5432()
    {
        Assert.Equal(5432, Normalized("postgresql://dg@db/app").Port);
    }

    [Fact]
    public void it_percent_decodes_user_password_and_database()
    {
        var b = Normalized("postgresql://d%40g:p%3Aw%2Fd%40%25x@db/my%20db");

        Assert.Equal("d@g", b.Username);
        Assert.Equal("p:w/d@%x", b.Password);
        Assert.Equal("my db", b.Database);
    }

    [Fact]
    public void it_takes_the_last_at_sign_as_the_end_of_the_user_info()
    {
        var b = Normalized("postgresql://dg:p@ss@db:5433/app");

        Assert.Equal("p@ss", b.Password);
        Assert.Equal("db", b.Host);
        Assert.Equal(5433, b.Port);
    }

    [Theory]
    [InlineData("postgresql://dg@[::1]:5433/app", 5433)]
    [InlineData("postgresql://dg@[::1]/app", 5432)]
    [InlineData("postgresql://[2001:db8::7]:6000/app", 6000)]
    public void it_unbrackets_an_ipv6_host(string url, int port)
    {
        var b = Normalized(url);

        Assert.DoesNotContain("[", b.Host);
        Assert.Contains("::", b.Host);
        Assert.Equal(port, b.Port);
    }

    [Theory]
    [InlineData("postgresql://dg@/app?host=/var/run/postgresql")]
    [InlineData("postgresql://dg@%2Fvar%2Frun%2Fpostgresql/app")]
    [InlineData("postgresql:///app?host=%2Fvar%2Frun%2Fpostgresql&user=dg")]
    public void it_reads_a_unix_socket_directory_as_the_host(string url)
    {
        var b = Normalized(url);

        Assert.Equal("/var/run/postgresql", b.Host);
        Assert.Equal("dg", b.Username);
        Assert.Equal("app", b.Database);
        Assert.Equal(5432, b.Port);
    }

    [Fact]
    public void it_keeps_every_host_of_a_multi_host_url_with_its_port()
    {
        var b = Normalized("postgresql://dg@h1:5433,h2/app?target_session_attrs=read-write");

        Assert.Equal("h1:5433,h2:5432", b.Host);
        Assert.Equal("read-write", b.TargetSessionAttributes);
    }

    [Fact]
    public void it_lets_a_query_host_and_port_override_the_authority()
    {
        var b = Normalized("postgresql://dg@ignored:1/app?host=10.0.0.5&port=6000");

        Assert.Equal("10.0.0.5", b.Host);
        Assert.Equal(6000, b.Port);
    }
}

public class when_normalizing_a_keyword_connection_string
{
    [Fact]
    public void it_keeps_an_npgsql_connection_string_and_makes_the_port_explicit()
    {
        var b = new NpgsqlConnectionStringBuilder(PgConnectionStrings.Normalize("Host=db;Username=dg;Password=x;Database=app;Pooling=false"));

        Assert.Equal("db", b.Host);
        Assert.Equal("dg", b.Username);
        Assert.Equal("x", b.Password);
        Assert.Equal("app", b.Database);
        Assert.False(b.Pooling);
        Assert.Equal(5432, b.Port);
    }

    [Fact]
    public void it_reads_libpq_key_value_pairs_with_quoted_values()
    {
        var b = new NpgsqlConnectionStringBuilder(
            PgConnectionStrings.Normalize(@"host=db port=5433 user=dg password='a b\'c' dbname=app sslmode=verify-full"));

        Assert.Equal("db", b.Host);
        Assert.Equal(5433, b.Port);
        Assert.Equal("dg", b.Username);
        Assert.Equal("a b'c", b.Password);
        Assert.Equal("app", b.Database);
        Assert.Equal(SslMode.VerifyFull, b.SslMode);
    }

    [Fact]
    public void it_treats_a_single_npgsql_pair_whose_value_has_spaces_as_npgsql()
    {
        var b = new NpgsqlConnectionStringBuilder(PgConnectionStrings.Normalize("Host=db;Password=a b=c"));

        Assert.Equal("a b=c", b.Password);
    }
}

public class when_a_connection_string_cannot_be_read
{
    private const string Secret = "Sup3rS3cret";

    [Theory]
    [InlineData("mysql://root:Sup3rS3cret@db/app", "unknown scheme 'mysql'")]
    [InlineData("postgresql://dg:Sup3rS3cret@db:99999/app", "port")]
    [InlineData("postgresql://dg:Sup3rS3cret@db:abc/app", "port")]
    [InlineData("postgresql://dg:Sup3rS3cret@db/app?sslmode=sometimes", "sslmode")]
    [InlineData("postgresql://dg:Sup3rS3cret@db/app?frobnicate=1", "unknown parameter 'frobnicate'")]
    [InlineData("postgresql://dg:Sup3rS3cret@[::1/app", "']'")]
    [InlineData("postgresql://dg:Sup3rS3cret@::1/app", "brackets")]
    [InlineData("postgresql://dg:%ZZSup3rS3cret@db/app", "percent-encoding")]
    [InlineData("Host=db;Username=dg;Password=Sup3rS3cret;Port=abc", "port")]
    [InlineData("Host=db;Username=dg;Password=Sup3rS3cret;Frobnicate=1", "unknown parameter")]
    [InlineData("host=db password=Sup3rS3cret port=none", "port")]
    [InlineData("Host=db;Password='Sup3rS3cret", "malformed")]
    [InlineData("just some words Sup3rS3cret", "expected a postgresql:// URL")]
    public void it_names_the_problem(string input, string problem)
    {
        var error = Assert.Throws<ArgumentException>(() => PgConnectionStrings.Normalize(input));

        Assert.StartsWith("not a PostgreSQL URL or connection string: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("mysql://root:Sup3rS3cret@db/app")]
    [InlineData("postgresql://dg:Sup3rS3cret@db:abc/app")]
    [InlineData("postgresql://dg:Sup3rS3cret/x@db/app")] // an unencoded '/' ends the authority inside the password
    [InlineData("postgresql://dg:Sup3r?S3cret@db/app")] // an unencoded '?' starts a "query" inside the password
    [InlineData("postgresql://dg:Sup3rS3cret@db/app?sslmode=Sup3rS3cret")]
    [InlineData("postgresql://dg@db/app?password=Sup3rS3cret&bogus=1")]
    [InlineData("postgresql://dg:%ZZSup3rS3cret@db/app")]
    [InlineData("Host=db;Password=Sup3rS3cret;Port=Sup3rS3cret")]
    [InlineData("Host=db;Password=Sup3r;S3cret=x")] // an unquoted ';' splits the password into a bogus key
    [InlineData("host=db password=Sup3rS3cret sslmode=Sup3rS3cret")]
    [InlineData("Host=db;Password='Sup3rS3cret")]
    public void it_never_repeats_any_part_of_the_password(string input)
    {
        var error = Assert.Throws<ArgumentException>(() => PgConnectionStrings.Normalize(input));

        Assert.DoesNotContain("Sup3r", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("S3cret", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void it_rejects_empty_input(string input)
    {
        var error = Assert.Throws<ArgumentException>(() => PgConnectionStrings.Normalize(input));

        Assert.Contains("empty", error.Message, StringComparison.Ordinal);
    }
}

public class when_redacting_a_connection_string
{
    [Theory]
    [InlineData("postgresql://dg:s3cret@127.0.0.1/app", "postgresql://dg@127.0.0.1:5432/app")]
    [InlineData("Host=127.0.0.1;Port=5432;Username=dg;Password=s3cret;Database=app", "postgresql://dg@127.0.0.1:5432/app")]
    [InlineData("postgresql://dg:s3cret@[::1]:5433/app", "postgresql://dg@[::1]:5433/app")]
    [InlineData("postgresql://d%40g:s3cret@db/my%20db?sslmode=require", "postgresql://d%40g@db:5432/my%20db?sslmode=require")]
    [InlineData("postgresql://dg:s3cret@/app?host=/var/run/postgresql", "postgresql://dg@/app?host=/var/run/postgresql&port=5432")]
    public void it_shows_user_host_port_and_database_without_the_password(string input, string expected)
    {
        var shown = PgConnectionStrings.Redact(input);

        Assert.Equal(expected, shown);
        Assert.DoesNotContain("s3cret", shown, StringComparison.Ordinal);
    }

    [Fact]
    public void it_shows_a_placeholder_for_unreadable_input_instead_of_throwing()
    {
        var shown = PgConnectionStrings.Redact("mysql://root:s3cret@db/app");

        Assert.DoesNotContain("s3cret", shown, StringComparison.Ordinal);
        Assert.Contains("unreadable", shown, StringComparison.Ordinal);
    }
}

public class when_pointing_a_connection_string_at_another_database
{
    [Fact]
    public void it_changes_only_the_database()
    {
        var moved = new NpgsqlConnectionStringBuilder(
            PgConnectionStrings.WithDatabase("postgresql://dg:s3cret@db:6000/postgres?sslmode=disable", "ledger_test"));

        Assert.Equal("ledger_test", moved.Database);
        Assert.Equal("db", moved.Host);
        Assert.Equal(6000, moved.Port);
        Assert.Equal("dg", moved.Username);
        Assert.Equal("s3cret", moved.Password);
        Assert.Equal(SslMode.Disable, moved.SslMode);
    }

    [Fact]
    public void it_refuses_an_empty_database_name()
    {
        Assert.Throws<ArgumentException>(() => PgConnectionStrings.WithDatabase("Host=db", " "));
    }
}

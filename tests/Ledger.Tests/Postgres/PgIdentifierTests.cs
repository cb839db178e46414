using Ledger.Postgres;

namespace Ledger.Tests.Postgres;

public class when_validating_a_sql_identifier
{
    [Theory]
    [InlineData("ledger")]
    [InlineData("_scratch")]
    [InlineData("Drill_2024$1")]
    [InlineData("select")]
    public void it_accepts_ascii_names_that_start_with_a_letter_or_underscore(string name)
    {
        Assert.True(PgIdentifier.IsValid(name));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("1ledger")]
    [InlineData("$ledger")]
    [InlineData("led-ger")]
    [InlineData("led ger")]
    [InlineData("ledger;drop")]
    [InlineData("lédger")]
    [InlineData("led\"ger")]
    [InlineData("ledger\n")]
    public void it_rejects_anything_else(string? name)
    {
        Assert.False(PgIdentifier.IsValid(name));
    }

    [Fact]
    public void it_accepts_63_characters_and_rejects_64()
    {
        Assert.True(PgIdentifier.IsValid(new string('a', 63)));
        Assert.False(PgIdentifier.IsValid(new string('a', 64)));
    }

    [Fact]
    public void it_names_the_field_when_a_name_is_invalid()
    {
        var error = Assert.Throws<ArgumentException>(() => PgIdentifier.EnsureValid("bad name", "Backup.Database"));

        Assert.Contains("Backup.Database", error.Message, StringComparison.Ordinal);
        Assert.Equal("Backup.Database", error.ParamName);
    }

    [Fact]
    public void it_says_why_a_long_name_is_invalid()
    {
        var error = Assert.Throws<ArgumentException>(() => PgIdentifier.EnsureValid(new string('x', 70), "database"));

        Assert.Contains("63", error.Message, StringComparison.Ordinal);
    }
}

public class when_quoting_a_sql_identifier
{
    [Theory]
    [InlineData("ledger", "\"ledger\"")]
    [InlineData("Select", "\"Select\"")]
    [InlineData("a$1", "\"a$1\"")]
    public void it_double_quotes_a_valid_name(string name, string quoted)
    {
        Assert.Equal(quoted, PgIdentifier.Quote(name));
    }

    [Theory]
    [InlineData("x\"; DROP DATABASE postgres; --")]
    [InlineData("")]
    public void it_refuses_to_quote_an_invalid_name(string name)
    {
        Assert.Throws<ArgumentException>(() => PgIdentifier.Quote(name));
    }
}

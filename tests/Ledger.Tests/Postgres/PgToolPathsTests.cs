using Ledger.Testing.Postgres;
using Ledger.Postgres;

namespace Ledger.Tests.Postgres;

public sealed class when_locating_the_postgresql_tools : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dgledger-tools-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void it_uses_a_configured_directory_that_holds_pg_dump()
    {
        File.WriteAllText(Path.Combine(_dir, "pg_dump"), "");

        var tools = PgToolPaths.Locate(_dir);

        Assert.Equal(_dir, tools.BinDir);
        Assert.Equal(Path.Combine(_dir, "pg_restore"), tools.PgRestore);
        Assert.Equal(Path.Combine(_dir, "psql"), tools.Psql);
        Assert.Equal(Path.Combine(_dir, "initdb"), tools.Initdb);
        Assert.Equal(Path.Combine(_dir, "pg_ctl"), tools.PgCtl);
    }

    [Fact]
    public void it_refuses_a_configured_directory_without_pg_dump_and_says_how_to_install_it()
    {
        var error = Assert.Throws<PgToolsNotFoundException>(() => PgToolPaths.Locate(_dir));

        Assert.Contains(_dir, error.Message, StringComparison.Ordinal);
        Assert.Contains("pg_dump", error.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install postgresql-client", error.Message, StringComparison.Ordinal);
        Assert.Equal("pg_dump", error.MissingTool);
    }

    [Fact]
    public void it_refuses_a_configured_directory_that_does_not_exist()
    {
        var missing = Path.Combine(_dir, "nope");

        var error = Assert.Throws<PgToolsNotFoundException>(() => PgToolPaths.Locate(missing));

        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_provisioner_without_initdb_or_any_other_way_explains_in_one_sentence_what_to_install()
    {
        File.WriteAllText(Path.Combine(_dir, "pg_dump"), ""); // a client-only installation

        var error = await Assert.ThrowsAsync<PostgresUnavailableException>(() => PostgresProvisioner.AcquireAsync(
            new PostgresProvisionOptions { EnvironmentVariable = "DGLEDGER_TEST_PG_NOT_SET_ANYWHERE", PreferLocalCluster = true, BinDir = _dir }));

        Assert.StartsWith("No PostgreSQL available: DGLEDGER_TEST_PG_NOT_SET_ANYWHERE is not set", error.Message, StringComparison.Ordinal);
        Assert.Contains("initdb was not found", error.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install postgresql", error.Message, StringComparison.Ordinal);
        Assert.Contains("DGLEDGER_TEST_PG_NOT_SET_ANYWHERE=postgresql://", error.Message, StringComparison.Ordinal);
        Assert.Single(error.Message.Split(". ", StringSplitOptions.None));
    }
}

using Ledger.Postgres;

namespace Ledger.Tests.Postgres;

public sealed class PgAdvisoryLockKeyTests
{
    [Fact]
    public void the_same_scope_and_parts_give_the_same_key_on_every_node() =>
        Assert.Equal(PgAdvisoryLock.KeyFor("restore-target", "prod", "dg"), PgAdvisoryLock.KeyFor("restore-target", "prod", "dg"));

    [Theory]
    [InlineData("gate", "restore-target")]
    [InlineData("backup-source", "restore-target")]
    public void different_scopes_never_share_a_key_for_the_same_parts(string a, string b) =>
        Assert.NotEqual(PgAdvisoryLock.KeyFor(a, "prod", "dg"), PgAdvisoryLock.KeyFor(b, "prod", "dg"));

    [Fact]
    public void parts_are_kept_apart_so_prod_dg_is_not_pro_ddg() =>
        Assert.NotEqual(PgAdvisoryLock.KeyFor("restore-target", "prod", "dg"), PgAdvisoryLock.KeyFor("restore-target", "pro", "ddg"));
}

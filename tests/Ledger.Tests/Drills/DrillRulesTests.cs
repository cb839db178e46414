using Ledger.Api.Drills;
using Ledger.Contracts.Drills;

namespace Ledger.Tests.Drills;

public sealed class when_a_drill_request_is_checked_at_the_edge
{
    [Fact]
    public void a_cross_environment_drill_names_its_target_environment_and_defaults_to_the_source()
    {
        var request = new RequestDrill("prod", "dg_prod", TargetEnvironment: "staging");
        Assert.Empty(DrillRules.Check(request));
        Assert.Equal(("staging", "dg_prod_drill"), (DrillRules.TargetEnvironment(request), DrillRules.TargetName(request)));
        Assert.Equal("prod", DrillRules.TargetEnvironment(request with { TargetEnvironment = null }));
    }

    [Theory]
    [InlineData("Staging")]
    [InlineData("")]
    [InlineData("staging/../prod")]
    public void a_malformed_target_environment_is_named(string environment) =>
        Assert.Contains("targetEnvironment", DrillRules.Check(new RequestDrill("prod", "dg_prod", TargetEnvironment: environment)).Keys);

    [Theory]
    [InlineData("template1")]
    [InlineData("postgres")]
    [InlineData("app-drill")]
    public void a_system_database_or_an_invalid_name_is_never_a_drill_target(string target) =>
        Assert.Contains("targetDatabase", DrillRules.Check(new RequestDrill("prod", "dg_prod", target, TargetEnvironment: "staging")).Keys);
}

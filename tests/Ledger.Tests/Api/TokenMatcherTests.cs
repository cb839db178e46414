using System.Security.Cryptography;
using System.Text;
using Ledger.Api.Auth;
using Ledger.Contracts.Common;

namespace Ledger.Tests.Api;

public sealed class when_a_bearer_token_is_matched
{
    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    private static readonly List<TokenEntry> Tokens =
    [
        new() { Name = "ops", Token = "ops-token-0123456789", Roles = [Roles.Operator] },
        new() { Name = "ci", Sha256 = Convert.ToHexStringLower(Hash("ci-token-0123456789")), Roles = [Roles.Pipeline] },
        new() { Name = "root", Token = "root-token-0123456789", Roles = [Roles.Admin] },
    ];

    [Fact]
    public void a_plain_token_and_a_hashed_token_both_match_their_entry()
    {
        Assert.Equal("ops", TokenMatcher.Find(Tokens, Hash("ops-token-0123456789"))?.Name);
        Assert.Equal("ci", TokenMatcher.Find(Tokens, Hash("ci-token-0123456789"))?.Name);
    }

    [Fact]
    public void an_unknown_token_matches_nothing() => Assert.Null(TokenMatcher.Find(Tokens, Hash("ops-token-0123456788")));

    [Fact]
    public void admin_carries_every_role_and_others_only_their_own()
    {
        Assert.Equal(Roles.All.Order(), TokenMatcher.EffectiveRoles(Tokens[2]).Order());
        Assert.Equal([Roles.Operator], TokenMatcher.EffectiveRoles(Tokens[0]));
    }

    [Theory]
    [InlineData("", "x-token-0123456789", null, "reader", "no Name")]
    [InlineData("a", null, null, "reader", "exactly one of Token or Sha256")]
    [InlineData("a", "tiny-tk", null, "reader", "shorter than 16")]
    [InlineData("a", null, "abc", "reader", "64 hex digits")]
    [InlineData("a", "x-token-0123456789", null, "superuser", "roles must be")]
    public void a_bad_token_list_is_refused_without_echoing_the_token(string name, string? token, string? sha, string role, string expected)
    {
        var entry = new TokenEntry { Name = name, Token = token, Sha256 = sha, Roles = [role] };
        var error = Assert.Throws<InvalidOperationException>(() => TokenMatcher.Validate([entry]));
        Assert.Contains(expected, error.Message);
        if (token is not null)
        {
            Assert.DoesNotContain(token, error.Message);
        }
    }
}

using Ledger.Api.Auth;
using Ledger.Contracts.Common;
using Microsoft.AspNetCore.Authorization;

namespace Ledger.Api.Auth;

/// <summary>What each kind of caller may do. Admin carries every role.</summary>
public static class Policies
{
    public const string Read = "read";
    public const string RequestBackup = "request-backup";
    /// <summary>Restores and plans; a primary target additionally needs the operator role (checked by the restore interlocks).</summary>
    public const string RequestRestore = "request-restore";
    public const string Operate = "operate";

    public static IServiceCollection AddLedgerAuth(this IServiceCollection services, IConfiguration configuration)
    {
        var tokens = configuration.GetSection("Auth:Tokens").Get<List<TokenEntry>>() ?? [];
        TokenMatcher.Validate(tokens);

        services.AddAuthentication(BearerTokenHandler.SchemeName)
            .AddScheme<BearerTokenOptions, BearerTokenHandler>(BearerTokenHandler.SchemeName, o => o.Tokens = tokens);
        services.AddAuthorizationBuilder()
            .AddPolicy(Read, p => p.RequireRole(Roles.Reader, Roles.Operator, Roles.Pipeline, Roles.Agent))
            .AddPolicy(RequestBackup, p => p.RequireRole(Roles.Operator, Roles.Pipeline))
            .AddPolicy(RequestRestore, p => p.RequireRole(Roles.Operator, Roles.Pipeline))
            .AddPolicy(Operate, p => p.RequireRole(Roles.Operator));
        return services;
    }
}

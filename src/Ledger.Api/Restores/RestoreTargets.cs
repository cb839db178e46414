using Ledger.Contracts.Agents;
using Ledger.Contracts.Restores;

namespace Ledger.Api.Restores;

/// <summary>
/// Where a restore goes and which role decides its interlocks, from what agents have announced (pure).
/// <list type="number">
/// <item>The target names a database an agent manages in the environment: that database, with its role.</item>
/// <item>Otherwise the target is a new (or unmanaged) database, created on the server of a managed database of the
/// environment, its host: the first non-primary one by name, so a scratch or drill database lands next to a
/// non-primary; only when the environment has nothing but primaries is the host a primary, and then the target
/// counts as primary too (it would live on the production server).</item>
/// </list>
/// When agents disagree about a database's role, it counts as primary. A name is matched against every announced
/// database of every environment, by its label and by its real name on the server: a target that is (or may be) a
/// database managed elsewhere, say production's primary named from staging, carries its role and
/// <see cref="RestoreTarget.ManagedElsewhere"/>, and the interlocks refuse it. (The ledger does not know servers, so a
/// same-named database of another environment counts even when it lives on another server; the agent, which knows,
/// checks again by the server's identity.)
/// </summary>
public static class RestoreTargets
{
    /// <summary>System databases that are never a restore target.</summary>
    public static readonly IReadOnlyList<string> Forbidden = ["postgres", "template0", "template1"];

    /// <summary>Null when no agent serves the environment.</summary>
    public static RestoreTarget? Resolve(string environment, string targetDatabase, IEnumerable<ManagedDatabase> announced)
    {
        var inEnvironment = announced
            .Where(d => d.Environment == environment)
            .GroupBy(d => d.Name, StringComparer.Ordinal)
            .Select(g => new ManagedDatabase(environment, g.Key,
                g.Any(d => d.Role == DatabaseRoles.Primary) ? DatabaseRoles.Primary : DatabaseRoles.NonPrimary))
            .OrderBy(d => d.Name, StringComparer.Ordinal)
            .ToList();
        if (inEnvironment.Count == 0)
        {
            return null;
        }

        if (inEnvironment.FirstOrDefault(d => d.Name == targetDatabase) is { } managed)
        {
            return new RestoreTarget(environment, targetDatabase, managed.Name, managed.Role, Managed: true);
        }

        var host = inEnvironment.FirstOrDefault(d => d.Role != DatabaseRoles.Primary) ?? inEnvironment[0];
        var same = announced.Where(d => d.Name == targetDatabase || d.RealName == targetDatabase).ToList();
        if (same.Count > 0)
        {
            // The strongest role of whatever the name may be: a primary anywhere makes the target a primary.
            var role = same.Any(d => d.Role == DatabaseRoles.Primary) ? DatabaseRoles.Primary : DatabaseRoles.NonPrimary;
            var elsewhere = same.FirstOrDefault(d => d.Environment != environment)
                ?? same.First(); // the real name of a database of this environment configured under another label
            return new RestoreTarget(environment, targetDatabase, host.Name, role, Managed: true,
                ManagedElsewhere: elsewhere.Environment == environment && elsewhere.Name == targetDatabase ? null : $"{elsewhere.Environment}/{elsewhere.Name}");
        }

        return new RestoreTarget(environment, targetDatabase, host.Name, host.Role, Managed: false);
    }
}

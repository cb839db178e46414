using Ledger.Contracts.Drills;

namespace Ledger.Api.Drills;

/// <summary>The drill policy, from configuration <c>Drills:CadenceDays</c> (30), <c>Drills:RtoTargetSeconds</c> (3600), <c>Drills:MinPassRate</c> (1.0).</summary>
public static class DrillOptions
{
    public const int DefaultCadenceDays = 30;
    public const long DefaultRtoTargetSeconds = 3600;
    public const double DefaultMinPassRate = 1.0;

    public static DrillPolicy From(IConfiguration configuration)
    {
        var section = configuration.GetSection("Drills");
        var cadence = section.GetValue("CadenceDays", DefaultCadenceDays);
        var rto = section.GetValue("RtoTargetSeconds", DefaultRtoTargetSeconds);
        var passRate = section.GetValue("MinPassRate", DefaultMinPassRate);
        if (cadence < 1 || rto < 1 || passRate is < 0 or > 1)
        {
            throw new InvalidOperationException(
                "Drills:CadenceDays and Drills:RtoTargetSeconds must be 1 or more, Drills:MinPassRate between 0 and 1.");
        }

        return new DrillPolicy(cadence, rto, passRate);
    }
}

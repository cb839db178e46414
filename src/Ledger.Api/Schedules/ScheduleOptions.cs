namespace Ledger.Api.Schedules;

/// <summary>Section <c>Schedules</c>: how the ledger runs the databases' daily backup schedules.</summary>
public sealed record ScheduleOptions(TimeSpan TickInterval, TimeSpan Deadline, TimeSpan Lookback, bool Enabled)
{
    public static ScheduleOptions From(IConfiguration configuration)
    {
        var section = configuration.GetSection("Schedules");
        return new ScheduleOptions(
            section.GetValue("TickInterval", TimeSpan.FromSeconds(30)),
            section.GetValue("Deadline", TimeSpan.FromHours(1)),
            section.GetValue("Lookback", TimeSpan.FromHours(26)),
            section.GetValue("Enabled", true));
    }
}

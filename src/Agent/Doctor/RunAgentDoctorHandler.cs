using Ledger.Contracts.Doctor;

namespace Ledger.Agent.Doctor;

/// <summary>Answers the ledger's <see cref="RunAgentDoctor"/> with this agent's checks for that environment.</summary>
public static class RunAgentDoctorHandler
{
    public static async Task<AgentDoctorReport> Handle(RunAgentDoctor request, AgentDoctor doctor, AgentOptions options, TimeProvider clock,
        CancellationToken ct)
    {
        var checks = await doctor.RunAsync(request.Environment, request.NewestBackupBytes, ct);
        return new AgentDoctorReport(request.RunId, options.Id, request.Environment, checks, clock.GetUtcNow());
    }
}

public static class DoctorConfiguration
{
    public static IServiceCollection AddDoctor(this IServiceCollection services)
    {
        services.AddSingleton<AgentDoctor>();
        return services;
    }
}

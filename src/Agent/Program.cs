using Ledger.Agent;
using Ledger.Agent.Doctor;

if (DoctorCommandLine.Wants(args))
{
    return await DoctorCommandLine.RunAsync(args, Console.Out);
}

using var host = AgentHost.Build(args);
await host.RunAsync();
return 0;

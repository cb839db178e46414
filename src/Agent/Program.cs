using Ledger.Agent;
using Ledger.Agent.Doctor;

if (DoctorCommandLine.Wants(args))
{
    return await DoctorCommandLine.RunAsync(args, Console.Out);
}

if (Ledger.Agent.Repositories.DecryptCommandLine.Wants(args))
{
    return await Ledger.Agent.Repositories.DecryptCommandLine.RunAsync(args, Console.Out, Console.Error, Console.OpenStandardOutput);
}

using var host = AgentHost.Build(args);
await host.RunAsync();
return 0;

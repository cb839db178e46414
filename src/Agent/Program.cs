using Ledger.Agent;

using var host = AgentHost.Build(args);
await host.RunAsync();

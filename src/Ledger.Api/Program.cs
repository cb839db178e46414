using Ledger.Api;

var app = LedgerHost.Build(args);
await app.RunAsync();

public partial class Program;

return await Ledger.Cli.CliApp.RunAsync(args);

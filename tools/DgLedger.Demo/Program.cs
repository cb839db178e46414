return await DgLedger.Demo.DemoTool.RunAsync(args);

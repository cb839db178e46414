using System.Text.Json;
using Ledger.Cli;
using Ledger.Contracts.Backups;
using Ledger.Contracts.Common;
using Ledger.Contracts.Drills;
using Ledger.Contracts.Gates;
using Ledger.Testing.Stack;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Ledger.ConsoleTests;

/// <summary>
/// One real stack for the console's browser tests: a private PostgreSQL, the ledger on a loopback port and an agent that
/// manages <c>staging/app</c> (a sample database) and <c>broken/gone</c> (a server that does not answer). Before any test
/// the fixture records, through the real CLI, what an operator's console should show: a verified manual backup, a failed
/// backup, a drill and a pre-upgrade gate (which takes its own backup and opens), and appends a synthetic past
/// (<see cref="SyntheticHistory"/>). Then it starts Debian's Chromium.
/// </summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    public const string Environment = "staging";
    public const string Database = "app";
    public const string BrokenEnvironment = "broken";
    public const string BrokenDatabase = "gone";
    public const string BrokenPassword = "not-a-real-secret-42";
    public const string RunningRelease = "1.4.0";
    public const string TargetRelease = "1.5.0";
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public EmbeddedStack Stack { get; private set; } = null!;
    public IPlaywright Playwright { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    public RestorePoint VerifiedBackup { get; private set; } = null!;
    public RestorePoint FailedBackup { get; private set; } = null!;
    public DrillView Drill { get; private set; } = null!;
    public GateView Gate { get; private set; } = null!;
    public SyntheticHistory.Appended History { get; private set; } = null!;

    public Uri Url(string path) => new(Stack.LedgerUrl, path);

    public IDocumentStore Store => Stack.Ledger.Services.GetRequiredService<IDocumentStore>();

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: the console's browser tests need Debian's Chromium "
                                                + "(apt-get install chromium; .ci/run installs it when absent).");
        }

        Stack = await EmbeddedStack.StartAsync(async pg =>
        [
            new EmbeddedDatabase(Environment, Database, await EmbeddedStack.CreateSampleSourceAsync(pg, Database)),
            // Port 1 on loopback: nothing listens, so the backup fails fast; the password must never reach a page.
            new EmbeddedDatabase(BrokenEnvironment, BrokenDatabase,
                $"Host=127.0.0.1;Port=1;Username=nobody;Password={BrokenPassword};Database=gone;Timeout=3"),
        ]);

        History = await SyntheticHistory.AppendAsync(Store, DateTimeOffset.UtcNow);
        VerifiedBackup = (await CliJsonAsync<BackupDetail>(0, "backups", "take", "--env", Environment, "--db", Database,
            "--wait", "--timeout", "2m", "--json")).Backup;
        FailedBackup = (await CliJsonAsync<BackupDetail>(ExitCodes.BackupFailed, "backups", "take", "--env", BrokenEnvironment,
            "--db", BrokenDatabase, "--wait", "--timeout", "2m", "--json")).Backup;
        // staging/app is not a DecisionGraph database: the drill restores faithfully and fails the projection checks (exit 10).
        Drill = await CliJsonAsync<DrillView>(ExitCodes.RestoreFailed, "drills", "run", "--env", Environment, "--db", Database,
            "--manual-step", "paused the importer by hand", "--timeout", "3m", "--json");
        Gate = await CliJsonAsync<GateView>(ExitCodes.Ok, "gate", "require", "--env", Environment, "--db", Database,
            "--release", TargetRelease, "--current-release", RunningRelease, "--timeout", "3m", "--json");

        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Root needs --no-sandbox; the machines have no internet, so nothing may try to reach it.
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
            ],
        });
    }

    /// <summary>A fresh browser context (no cookies) with a page on it.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        return await context.NewPageAsync();
    }

    /// <summary>Signs in through the form, as a person does, with the token of <paramref name="role"/>.</summary>
    public async Task<IPage> SignedInPageAsync(string role = Roles.Reader)
    {
        var page = await NewPageAsync();
        await page.GotoAsync(Url("/ui").ToString());
        await page.FillAsync("#token", Stack.Tokens[role]);
        await page.ClickAsync("#sign-in");
        await page.WaitForURLAsync(Url("/ui").ToString());
        return page;
    }

    /// <summary>Runs the real CLI in-process against the stack.</summary>
    public async Task<(int ExitCode, string Out, string Error)> RunCliAsync(string role, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var env = new Dictionary<string, string?>
        {
            ["DGLEDGER_URL"] = Stack.LedgerUrl.ToString(),
            ["DGLEDGER_TOKEN"] = Stack.Tokens[role],
        };
        var code = await CliApp.RunAsync(args, new CliOverrides
        {
            Out = stdout,
            Error = stderr,
            Environment = name => env.GetValueOrDefault(name),
        });
        return (code, stdout.ToString(), stderr.ToString());
    }

    private async Task<T> CliJsonAsync<T>(int expectedExit, params string[] args)
    {
        var (code, output, error) = await RunCliAsync(Roles.Operator, args);
        if (code != expectedExit)
        {
            throw new InvalidOperationException($"dgledger {string.Join(' ', args)} exited {code}, not {expectedExit}: {error}{output}");
        }

        return JsonSerializer.Deserialize<T>(output, Json)!;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        Playwright?.Dispose();
        if (Stack is not null)
        {
            await Stack.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ConsoleCollection : ICollectionFixture<ConsoleFixture>
{
    public const string Name = "console";
}

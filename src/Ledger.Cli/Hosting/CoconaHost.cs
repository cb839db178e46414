using Cocona;
using Cocona.Application;
using Cocona.Builder;
using Cocona.Command;
using Cocona.Command.BuiltIn;
using Cocona.Command.Dispatcher;
using Cocona.Command.Dispatcher.Middlewares;
using Cocona.Help;
using Ledger.Cli.Client;
using Ledger.Cli.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Ledger.Cli.Hosting;

/// <summary>
/// Runs Cocona in-process and returns the exit code.
/// <para>
/// <c>CoconaApp.Run</c> is not used: it builds a default generic host (appsettings, environment variables, console
/// logging), runs the command as a hosted service and reports the result only through the process-wide
/// <c>Environment.ExitCode</c>, which parallel in-process runs would overwrite. Here Cocona's services go into a plain
/// service provider (<see cref="CommandServicesBuilder"/>: no host, configuration or logging to build on every start of
/// a new process), and the command is resolved and dispatched directly.
/// </para>
/// </summary>
internal static class CoconaHost
{
    public static async Task<int> RunAsync(string[] args, CliRuntime cli, Action<ICoconaCommandsBuilder> register)
    {
        var builder = new CommandServicesBuilder();
        builder.ConfigureCocona(args, configureApplication: register)
            .ConfigureServices(services =>
            {
                services.Configure<CoconaAppOptions>(options =>
                {
                    options.TreatPublicMethodsAsCommands = false; // commands are the methods marked [Command]
                    options.EnableShellCompletionSupport = false;
                });
                services.AddSingleton(cli);
                services.AddSingleton<ICoconaConsoleProvider, CliConsoleProvider>();
                services.AddSingleton<ICoconaApplicationMetadataProvider, CliMetadataProvider>();
                services.AddTransient<ICoconaCommandHelpProvider, ExitCodesHelpProvider>();
                services.AddTransient<LedgerCaller>();
            });
        using var services = builder.BuildServiceProvider();

        services.GetRequiredService<ICoconaCommandDispatcherPipelineBuilder>()
            .UseMiddleware(HelpExitsZero)
            .UseMiddleware<UnexpectedErrorsMiddleware>()
            .UseMiddleware<UsageErrorsMiddleware>()
            .UseMiddleware<CommandFilterMiddleware>()
            .UseMiddleware<CoconaCommandInvokeMiddleware>();

        var commands = services.GetRequiredService<ICoconaCommandProvider>().GetCommandCollection();
        try
        {
            var resolved = services.GetRequiredService<ICoconaCommandResolver>().ParseAndResolve(commands, args);
            return await services.GetRequiredService<ICoconaCommandDispatcher>().DispatchAsync(resolved, cli.Cancellation);
        }
        catch (CommandNotFoundException notFound)
        {
            return CommandNotFound(args, notFound, cli);
        }
    }

    private static int CommandNotFound(string[] args, CommandNotFoundException notFound, CliRuntime cli)
    {
        // The words before the unknown one are the groups it was looked up in: "dgledger backups".
        var group = string.Join(' ', args.TakeWhile(a => a != notFound.Command && !a.StartsWith('-')).Prepend(CliMetadataProvider.ExecutableName));
        var known = notFound.ImplementedCommands.All.Where(c => !c.IsHidden && !c.IsPrimaryCommand).Select(c => c.Name).ToList();
        var similar = known.Where(name => Similar(name, notFound.Command)).ToList();

        new CliError(
            ExitCodes.Usage,
            string.IsNullOrWhiteSpace(notFound.Command) ? $"'{group}' needs a command" : $"'{notFound.Command}' is not a '{group}' command",
            (similar.Count > 0 ? $"did you mean '{string.Join("' or '", similar)}'? " : "")
                + $"run '{group} --help' for the commands ({string.Join(", ", known)})").WriteTo(cli.Error);
        return ExitCodes.Usage;
    }

    /// <summary>A typo away: one starts the other, or at most two edits apart.</summary>
    internal static bool Similar(string known, string typed)
    {
        if (typed.Length == 0)
        {
            return false;
        }

        if (known.StartsWith(typed, StringComparison.OrdinalIgnoreCase) || typed.StartsWith(known, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var a = known.ToUpperInvariant();
        var b = typed.ToUpperInvariant();
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            previous = current;
        }

        return previous[b.Length] <= 2;
    }

    /// <summary>Cocona's built-in --help returns 129; asking for help is not an error.</summary>
    private static async ValueTask<int> HelpExitsZero(CommandDispatchDelegate next, CommandDispatchContext ctx)
    {
        var exitCode = await next(ctx);
        return exitCode == 129 && ctx.Command.Method.DeclaringType == typeof(BuiltInOptionLikeCommands) ? ExitCodes.Ok : exitCode;
    }
}

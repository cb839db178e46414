using Cocona.Application;
using Cocona.Command;
using Cocona.Command.Binder;
using Cocona.Command.Dispatcher;
using Cocona.Command.Features;
using Ledger.Cli.Common;

namespace Ledger.Cli.Hosting;

/// <summary>
/// Usage errors exit 2 with a pointer to the command's help. Replaces Cocona's own handling, which exits 1
/// (bad or missing options) or 129 (unknown options).
/// </summary>
internal sealed class UsageErrorsMiddleware(CommandDispatchDelegate next, CliRuntime cli, ICoconaAppContextAccessor appContext)
    : CommandDispatcherMiddleware(next)
{
    public override async ValueTask<int> DispatchAsync(CommandDispatchContext ctx)
    {
        if (ctx.ParsedCommandLine.UnknownOptions.Count > 0 && !ctx.Command.Flags.HasFlag(CommandFlags.IgnoreUnknownOptions))
        {
            var name = ctx.ParsedCommandLine.UnknownOptions[0];
            return Fail(ctx, $"unknown option '{(name.Length == 1 ? "-" : "--")}{name}'");
        }

        try
        {
            return await Next(ctx);
        }
        catch (UsageException usage)
        {
            return Fail(ctx, usage.Message);
        }
        catch (ParameterBinderException binder)
        {
            return Fail(ctx, Describe(ctx, binder));
        }
    }

    private static string Describe(CommandDispatchContext ctx, ParameterBinderException binder) => binder.Result switch
    {
        ParameterBinderResult.TypeNotSupported when binder.Option is { } option =>
            $"invalid --{option.Name} '{ctx.ParsedCommandLine.Options.Where(o => o.Option == option).Select(o => o.Value).LastOrDefault()}': expected {Expected(option.UnwrappedOptionType)}",
        ParameterBinderResult.TypeNotSupported when binder.Argument is { } argument =>
            $"invalid {argument.Name}: expected {Expected(argument.UnwrappedArgumentType)}",
        ParameterBinderResult.InsufficientOption => $"option '--{binder.Option?.Name}' is required",
        ParameterBinderResult.InsufficientOptionValue => $"option '--{binder.Option?.Name}' needs a value",
        ParameterBinderResult.InsufficientArgument => $"argument '{binder.Argument?.Name}' is required",
        _ => binder.Message,
    };

    private static string Expected(Type type) =>
        type == typeof(int) || type == typeof(long) ? "a whole number" : "a " + type.Name;

    private int Fail(CommandDispatchContext ctx, string message)
    {
        new CliError(ExitCodes.Usage, message, $"run '{CommandPath(ctx.Command)} --help' for usage").WriteTo(cli.Error);
        return ExitCodes.Usage;
    }

    /// <summary><c>dgledger backups take</c>: the groups on Cocona's command stack, then the command itself.</summary>
    private string CommandPath(CommandDescriptor command)
    {
        var stack = appContext.Current?.Features.Get<ICoconaCommandFeature>()?.CommandStack ?? [];
        return string.Join(' ', stack.Append(command).Distinct().Where(c => !c.IsPrimaryCommand).Select(c => c.Name).Prepend(CliMetadataProvider.ExecutableName));
    }
}

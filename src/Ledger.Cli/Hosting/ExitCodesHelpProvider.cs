using System.Globalization;
using Cocona.Application;
using Cocona.Command;
using Cocona.Help;
using Cocona.Help.DocumentModel;

namespace Ledger.Cli.Hosting;

/// <summary>Cocona's help, with the exit codes (from <see cref="ExitCodes"/>) at the end of every page.</summary>
internal sealed class ExitCodesHelpProvider(ICoconaApplicationMetadataProvider metadata, IServiceProvider services)
    : ICoconaCommandHelpProvider
{
    private readonly CoconaCommandHelpProvider _inner = new(metadata, services);

    public HelpMessage CreateCommandHelp(CommandDescriptor command, IReadOnlyList<CommandDescriptor> subCommandStack) =>
        WithExitCodes(_inner.CreateCommandHelp(command, subCommandStack));

    public HelpMessage CreateCommandsIndexHelp(CommandCollection commandCollection, IReadOnlyList<CommandDescriptor> subCommandStack) =>
        WithExitCodes(_inner.CreateCommandsIndexHelp(commandCollection, subCommandStack));

    public HelpMessage CreateVersionHelp() => _inner.CreateVersionHelp();

    private static HelpMessage WithExitCodes(HelpMessage help)
    {
        help.Children.Add(new HelpSection(
            new HelpHeading("Exit codes:"),
            new HelpSection(new HelpLabelDescriptionList(
                [.. ExitCodes.All.Select(e => new HelpLabelDescriptionListItem(e.Code.ToString(CultureInfo.InvariantCulture), e.Meaning))]))));
        return help;
    }
}

using Cocona;
using Cocona.Builder;
using Ledger.Cli.Agents;
using Ledger.Cli.Backups;

namespace Ledger.Cli;

/// <summary>
/// Every dgledger command, registered in one place: noun groups with verb subcommands.
/// A command class exposes methods marked <c>[Command("verb")]</c> (public methods without it are not commands),
/// takes <c>ConnectionOptions</c> for --url/--token, returns an exit code from <see cref="ExitCodes"/>, and
/// writes through <c>CliRuntime</c>, never <c>Console</c>.
/// </summary>
internal static class Commands
{
    public static void Register(ICoconaCommandsBuilder app)
    {
        app.AddSubCommand("backups", backups =>
        {
            backups.AddCommands<TakeBackupCommand>();
            backups.AddCommands<ListBackupsCommand>();
            backups.AddCommands<ShowBackupCommand>();
            backups.AddCommands<PruneBackupsCommand>();
        }).WithDescription("take, list and inspect backups");

        app.AddSubCommand("agents", agents =>
        {
            agents.AddCommands<ListAgentsCommand>();
            agents.AddCommands<AgentGrantsCommand>();
        }).WithDescription("see the agents that take backups, and print an agent role's grants");

        app.AddSubCommand("gate", gate =>
        {
            gate.AddCommands<Gates.GateCommands>();
        }).WithDescription("pre-upgrade gates for pipelines: is there a fresh, verified backup?");

        app.AddCommands<Diff.DiffCommand>();

        // `dgledger restore` and `dgledger restores show` (Restores/RestoreCommand.cs):
        app.AddCommands<Restores.RestoreCommand>();

        Drills.DrillCommands.Register(app); // `dgledger drills list` and `dgledger report drills`
        app.AddSubCommand("notifications", n => n.AddCommands<Notifications.NotificationCommands>()).WithDescription("webhook deliveries and how they went");
        app.AddCommands<Doctor.DoctorCommand>(); // `dgledger doctor`
        app.AddSubCommand("repository", r => r.AddCommands<Repositories.ImportRepositoryCommand>())
            .WithDescription("rebuild restore points from a repository's manifests");
    }
}

using System.Security.Cryptography;
using Ledger.Contracts.Common;
using Ledger.Contracts.Restores;
using Ledger.Testing.Stack;
using Npgsql;

namespace Ledger.ScenarioTests.Restores;

/// <summary>
/// The application's own role (LOGIN, a password, not a superuser) owns the source database and its tables. pg_restore
/// runs --no-owner as the agent's superuser; afterwards the agent gives the target and every restored object to the
/// source's owner (recorded at backup time), so the application can read and write; a configured OwnerRole that does not
/// exist refuses the restore before the target is touched.
/// </summary>
[Collection(LedgerCollection.Name)]
public sealed class when_a_restored_database_belongs_to_the_applications_role(LedgerFixture fixture) : IAsyncLifetime
{
    private const string Agent = "owner-agent";
    private const string SourceEnvironment = "own-src";
    private const string Source = "own_src";
    private const string TargetEnvironment = "own-test";
    private const string Host = "own_host";
    private const string Target = "own_restored";
    private const string BadTarget = "own_bad";
    private const string AppRole = "dg_app_owner";
    private const string MissingRole = "no_such_role_42";

    private readonly SafeguardAgents _agents = new(fixture);
    private readonly string _password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public async Task InitializeAsync()
    {
        var pg = fixture.Stack.Postgres;
        await _agents.ExecuteAsync("postgres", $"""
            do $$ begin
              if not exists (select 1 from pg_roles where rolname = '{AppRole}') then create role {AppRole} login; end if;
            end $$;
            alter role {AppRole} with login nosuperuser password '{_password}';
            """);
        await pg.DropDatabaseAsync(Source);
        var source = await DecisionGraphSources.HealthyAsync(pg, Source, DecisionGraphSources.SchemaPath());
        // The application owns its database and its tables (their serial sequences follow them).
        await _agents.ExecuteAsync(Source, $"""
            alter database {Source} owner to {AppRole};
            do $$ declare t record; begin
              for t in select tablename from pg_tables where schemaname = 'public' loop
                execute format('alter table public.%I owner to {AppRole}', t.tablename);
              end loop;
            end $$;
            """);
        var host = await _agents.FreshDatabaseAsync(Host);
        await pg.DropDatabaseAsync(Target);
        var bad = await _agents.FreshDatabaseAsync(BadTarget);
        await _agents.ExecuteAsync(BadTarget, "create table marker (note text); insert into marker values ('before')");
        await _agents.StartAsync(Agent,
        [
            new EmbeddedDatabase(SourceEnvironment, Source, source, Contracts.Agents.DatabaseRoles.NonPrimary, SafeguardAgents.Off()),
            new EmbeddedDatabase(TargetEnvironment, Host, host, Contracts.Agents.DatabaseRoles.NonPrimary, SafeguardAgents.Off()),
            new EmbeddedDatabase(TargetEnvironment, BadTarget, bad, Contracts.Agents.DatabaseRoles.NonPrimary,
                SafeguardAgents.Off(new Dictionary<string, string?> { ["OwnerRole"] = MissingRole })),
        ]);
    }

    public async Task DisposeAsync() => await _agents.DisposeAsync();

    [Fact]
    public async Task the_application_role_reads_and_writes_after_a_restore_into_a_new_database_and_the_owner_is_recorded()
    {
        var backup = await _agents.BackupAsync(SourceEnvironment, Source);

        var run = await _agents.RestoreAsync(backup.Id, TargetEnvironment, Target);
        var view = RestoreScenario.ViewOf(run);

        Assert.True(view.TargetCreated == true, run.Out + run.Error);
        Assert.Equal(AppRole, view.OwnerRole);
        var ownership = Assert.Single(view.Checks, c => c.Name == CheckNames.Ownership);
        Assert.Equal((CheckOutcomes.Passed, RestoreStatus.Verified), (ownership.Outcome, view.Status));

        // As the application: its role, its password, no superuser.
        var builder = new NpgsqlConnectionStringBuilder(fixture.Stack.Postgres.ConnectionStringFor(Target))
        {
            Username = AppRole,
            Password = _password,
            Pooling = false,
        };
        await using var app = new NpgsqlConnection(builder.ConnectionString);
        await app.OpenAsync();
        await using (var who = new NpgsqlCommand("select current_user::text, (select rolsuper from pg_roles where rolname = current_user)", app))
        await using (var reader = await who.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            Assert.Equal((AppRole, false), (reader.GetString(0), reader.GetBoolean(1)));
        }

        await using (var write = new NpgsqlCommand("""
            insert into dg_workflow_runtime (tenant_id, last_log_seq, updated_at) values ('after-restore', 1, 'now');
            update dg_workflow_runtime set last_log_seq = 2 where tenant_id = 'after-restore';
            """, app))
        {
            Assert.Equal(2, await write.ExecuteNonQueryAsync());
        }

        await using (var next = new NpgsqlCommand("select nextval(pg_get_serial_sequence('dg_event_log', 'log_seq'))", app))
        {
            Assert.True((long)(await next.ExecuteScalarAsync())! > 0);
        }

        await using (var owners = new NpgsqlCommand("""
            select (select pg_get_userbyid(datdba) from pg_database where datname = current_database()),
                   count(*) filter (where tableowner <> current_user) from pg_tables where schemaname = 'public'
            """, app))
        await using (var reader = await owners.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            Assert.Equal((AppRole, 0L), (reader.GetString(0), reader.GetInt64(1)));
        }

        var show = await fixture.RunCliAsync(Roles.Reader, "restores", "show", view.Id.ToString());
        Assert.Contains($"owner", show.Out, StringComparison.Ordinal);
        Assert.Contains(AppRole, show.Out, StringComparison.Ordinal);
        await app.CloseAsync();
        await fixture.Stack.Postgres.DropDatabaseAsync(Target);
    }

    [Fact]
    public async Task an_owner_role_that_does_not_exist_fails_the_restore_at_preflight_and_leaves_the_target_open()
    {
        var backup = await _agents.BackupAsync(SourceEnvironment, Source);

        var run = await _agents.RestoreAsync(backup.Id, TargetEnvironment, BadTarget);
        var view = RestoreScenario.ViewOf(run);

        Assert.Equal((RestoreStatus.Failed, RestoreStages.Preflight, false), (view.Status, view.FailureStage, view.TargetTouched));
        Assert.Contains($"'{MissingRole}' (OwnerRole) does not exist", view.FailureReason, StringComparison.Ordinal);
        Assert.Equal(new TargetSettings(true, true, -1), await _agents.SettingsAsync(BadTarget));
        await using var connection = new NpgsqlConnection(fixture.Stack.Postgres.ConnectionStringFor(BadTarget));
        await connection.OpenAsync();
        await using var marker = new NpgsqlCommand("select note from marker", connection);
        Assert.Equal("before", await marker.ExecuteScalarAsync());
    }
}

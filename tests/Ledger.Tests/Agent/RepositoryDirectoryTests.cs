using Ledger.Agent.Backups;

namespace Ledger.Tests.Agent;

/// <summary>Artifacts.EnsureDirectory: the agent's directories are 0700, and a shared sticky directory (/tmp) is never made its own.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class when_the_agent_makes_its_directories : IDisposable
{
    private const UnixFileMode Shared = UnixFileMode.StickyBit | UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                                        | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
                                        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private readonly string _shared = Directory.CreateTempSubdirectory("dgledger-shared-").FullName;

    public when_the_agent_makes_its_directories() => File.SetUnixFileMode(_shared, Shared);

    public void Dispose() => Directory.Delete(_shared, recursive: true);

    [Fact]
    public void a_directory_inside_a_shared_one_is_made_0700_and_the_shared_one_keeps_its_mode()
    {
        var repository = Path.Combine(_shared, "repo");

        Artifacts.EnsureDirectory(repository, Path.Combine(repository, "prod", "app"));

        Assert.Equal(Artifacts.DirectoryMode, File.GetUnixFileMode(repository));
        Assert.Equal(Artifacts.DirectoryMode, File.GetUnixFileMode(Path.Combine(repository, "prod", "app")));
        Assert.Equal(Shared, File.GetUnixFileMode(_shared));
    }

    [Fact]
    public void an_existing_wider_directory_of_the_agent_is_tightened()
    {
        var repository = Directory.CreateDirectory(Path.Combine(_shared, "wide")).FullName;
        File.SetUnixFileMode(repository, Artifacts.DirectoryMode | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

        Artifacts.EnsureDirectory(repository, repository);

        Assert.Equal(Artifacts.DirectoryMode, File.GetUnixFileMode(repository));
    }

    [Fact]
    public void a_shared_sticky_directory_named_as_the_agents_own_is_refused_and_left_as_it_was()
    {
        var refused = Assert.Throws<InvalidOperationException>(() => Artifacts.EnsureDirectory(_shared, Path.Combine(_shared, "work")));

        Assert.Contains("shared directory (sticky, mode 1777)", refused.Message);
        Assert.Equal(Shared, File.GetUnixFileMode(_shared));
        Assert.False(Directory.Exists(Path.Combine(_shared, "work")));
    }
}

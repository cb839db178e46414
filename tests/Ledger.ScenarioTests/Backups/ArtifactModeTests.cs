using Ledger.ScenarioTests.Restores;

namespace Ledger.ScenarioTests.Backups;

/// <summary>A dump is the whole database: only the agent's own user may read it or list where it is.</summary>
[Collection(LedgerCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class when_a_backup_is_written_to_the_repository(LedgerFixture fixture)
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnly = OwnerReadWrite | UnixFileMode.UserExecute;

    [Fact]
    public async Task the_artifact_and_its_sidecar_are_0600_in_0700_directories_up_to_the_repository()
    {
        var backup = await new RestoreScenario(fixture).TakeSourceBackupAsync();
        var artifact = backup.ArtifactPath!;

        Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(artifact));
        Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(Path.ChangeExtension(artifact, ".json")));
        var repository = Path.GetFullPath(fixture.Stack.Repository);
        for (var directory = Path.GetDirectoryName(artifact)!; directory.Length >= repository.Length; directory = Path.GetDirectoryName(directory)!)
        {
            Assert.True(File.GetUnixFileMode(directory) == OwnerOnly, $"{directory} is {File.GetUnixFileMode(directory)}");
            if (directory == repository)
            {
                break;
            }
        }

        // Nothing is left behind but the two files: no partial dump, no partial sidecar.
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(artifact)!, "*.partial"));
    }
}

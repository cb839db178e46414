using DecisionGraph.Fixtures;

namespace Ledger.Tests.Seeding;

public sealed class when_the_seeder_makes_ids
{
    [Fact]
    public void uuid7_carries_version_7_and_sorts_by_time()
    {
        var random = new SeedRandom(3);
        var earlier = random.Uuid7(DecisionGraphGenerator.Epoch);
        var later = random.Uuid7(DecisionGraphGenerator.Epoch.AddMilliseconds(1));

        Assert.Equal('7', earlier.ToString()[14]);
        Assert.Contains(earlier.ToString()[19], "89ab");
        Assert.True(string.CompareOrdinal(earlier.ToString(), later.ToString()) < 0);
    }

    [Fact]
    public void ulids_are_26_crockford_characters_that_sort_by_time()
    {
        var random = new SeedRandom(3);
        var earlier = random.Ulid(DecisionGraphGenerator.Epoch, "trc_");
        var later = random.Ulid(DecisionGraphGenerator.Epoch.AddMilliseconds(1), "trc_");

        Assert.Matches("^trc_[0-9A-HJKMNP-TV-Z]{26}$", earlier);
        Assert.True(string.CompareOrdinal(earlier, later) < 0);
    }

    [Fact]
    public void next_stays_in_range_and_reaches_both_ends()
    {
        var random = new SeedRandom(9);
        var seen = Enumerable.Range(0, 2000).Select(_ => random.Next(7)).ToHashSet();

        Assert.Equal(Enumerable.Range(0, 7).ToHashSet(), seen);
    }
}

using System.Buffers.Binary;
using System.Numerics;
using Bogus;

namespace DecisionGraph.Fixtures;

/// <summary>
/// Every random choice the seeder makes, drawn from one seeded Bogus <see cref="Randomizer"/> in a fixed order, so a
/// seed always yields the same data. Small choices are cut from a buffer of random bits (one Randomizer call gives 30
/// of them), because a Randomizer call costs about 100 ns and an event needs dozens of choices.
/// </summary>
internal sealed class SeedRandom(int seed)
{
    private const int BitsPerDraw = 30;

    private ulong _bits;
    private int _available;

    /// <summary>The Randomizer itself, for Bogus data sets (names, companies, lorem) that build the value pools.</summary>
    public Randomizer Bogus { get; } = new(seed);

    /// <summary>A uniform integer in [0, <paramref name="count"/>).</summary>
    public int Next(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        if (count == 1)
        {
            return 0;
        }

        var width = 32 - BitOperations.LeadingZeroCount((uint)(count - 1));
        while (true)
        {
            var value = (int)Take(width);
            if (value < count)
            {
                return value;
            }
        }
    }

    /// <summary>A uniform integer in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public int Between(int min, int max) => min + Next(max - min + 1);

    /// <summary>True with the given probability in percent (0 to 100).</summary>
    public bool Percent(int percent) => Next(100) < percent;

    /// <summary>True with the given probability in per mille (0 to 1000).</summary>
    public bool PerMille(int perMille) => Next(1000) < perMille;

    public T Pick<T>(T[] items) => items[Next(items.Length)];

    /// <summary>64 random bits.</summary>
    public ulong Bits64() => (Take(32) << 32) | Take(32);

    /// <summary>A version-7 UUID: the millisecond time first, so ids made in order sort in order, then random bits.</summary>
    public Guid Uuid7(DateTime utc)
    {
        var milliseconds = (ulong)(utc - DateTime.UnixEpoch).Ticks / TimeSpan.TicksPerMillisecond;
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, (milliseconds << 16) | 0x7000UL | Take(12));
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], (Bits64() & 0x3FFF_FFFF_FFFF_FFFFUL) | 0x8000_0000_0000_0000UL);
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>A version-4 (random) UUID.</summary>
    public Guid Uuid4()
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, (Bits64() & 0xFFFF_FFFF_FFFF_0FFFUL) | 0x4000UL);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], (Bits64() & 0x3FFF_FFFF_FFFF_FFFFUL) | 0x8000_0000_0000_0000UL);
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>A ULID (26 characters of Crockford base32): 48 bits of milliseconds, then 80 random bits.</summary>
    public string Ulid(DateTime utc, string prefix = "")
    {
        const string alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
        var milliseconds = (ulong)(utc - DateTime.UnixEpoch).Ticks / TimeSpan.TicksPerMillisecond;
        var high = Take(16);
        var low = Bits64();
        return string.Create(prefix.Length + 26, (prefix, milliseconds, high, low), static (span, state) =>
        {
            state.prefix.AsSpan().CopyTo(span);
            var ulid = span[state.prefix.Length..];
            var time = state.milliseconds;
            for (var i = 9; i >= 0; i--)
            {
                ulid[i] = alphabet[(int)(time & 31)];
                time >>= 5;
            }

            // 80 random bits: 16 from high, 64 from low, as 16 characters of 5 bits.
            var random = (UInt128)state.high << 64 | state.low;
            for (var i = 25; i >= 10; i--)
            {
                ulid[i] = alphabet[(int)(random & 31)];
                random >>= 5;
            }
        });
    }

    private ulong Take(int width)
    {
        if (_available < width)
        {
            // Top up with whole draws; 64 - 30 leaves room for any width up to 32.
            while (_available <= 64 - BitsPerDraw)
            {
                _bits = (_bits << BitsPerDraw) | (uint)Bogus.Number(0, (1 << BitsPerDraw) - 1);
                _available += BitsPerDraw;
            }
        }

        _available -= width;
        var value = (_bits >> _available) & ((1UL << width) - 1);
        return value;
    }
}

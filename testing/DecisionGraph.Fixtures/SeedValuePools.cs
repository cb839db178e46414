using System.Text;
using Bogus.DataSets;

namespace DecisionGraph.Fixtures;

/// <summary>
/// Realistic values made once with Bogus data sets (names in several scripts, e-mails, companies, lorem, cities),
/// then picked from by index. Building a value with a Bogus data set per row would be the slow path; picking from a
/// pool is one random draw. The pools are built from the same seeded Randomizer, so they are part of the seed too.
/// </summary>
internal sealed class SeedValuePools
{
    /// <summary>Values that trip up quoting, escaping and encodings: quotes, backslashes, COPY markers, scripts, emoji.</summary>
    public static readonly string[] Awkward =
    [
        "O'Brien said \"approve it\"",
        @"C:\decisions\2025\q1\evidence.pdf",
        @"\N is not null here",
        "\\.",
        "tab\there, newline\nthere",
        "naïve café in Zürich",
        "Ünïcödé ÄÖÜ ß ÿ",
        "日本語のテキストと決定",
        "Решение принято без замечаний",
        "العميل طلب استثناء",
        "עברית מימין לשמאל",
        "emoji 🚀✅ and ZWJ 👩‍💻",
        "e\u0301 (combining accent) vs é",
        "Robert'); DROP TABLE students;--",
        "{\"looks\": \"like json\", \"but\": [\"is text\"]}",
        "100% of 50% is 50%; 5 > 3 & 2 < 4",
        "trailing backslash \\",
        "non\u00a0breaking\u2009thin\u200bzero-width",
        "$$ dollar-quoted $$",
        "line one\r\nline two (CRLF)",
    ];

    public static readonly string[] Locales = ["en", "de", "fr", "ja", "ru", "ar", "zh_CN", "ko", "el", "tr", "pl", "vi", "uk", "pt_BR"];

    public SeedValuePools(SeedRandom random)
    {
        var bogus = random.Bogus;
        var names = new List<string>();
        foreach (var locale in Locales)
        {
            var name = new Name(locale) { Random = bogus };
            for (var i = 0; i < 40; i++)
            {
                names.Add(name.FullName());
            }
        }

        PersonNames = [.. names];

        var english = new Name("en") { Random = bogus };
        var internet = new Internet("en") { Random = bogus };
        Emails = [.. Enumerable.Range(0, 400).Select(_ => internet.Email(english.FirstName(), english.LastName()).ToLowerInvariant())];
        IpAddresses = [.. Enumerable.Range(0, 200).Select(_ => internet.Ip())];
        UserAgents = [.. Enumerable.Range(0, 60).Select(_ => internet.UserAgent())];

        var companies = new List<string>();
        foreach (var locale in new[] { "en", "de", "fr", "ja", "ru" })
        {
            var company = new Company(locale) { Random = bogus };
            for (var i = 0; i < 60; i++)
            {
                companies.Add(company.CompanyName());
            }
        }

        Companies = [.. companies];

        var lorem = new Lorem("en") { Random = bogus };
        Sentences = [.. Enumerable.Range(0, 300).Select(_ => lorem.Sentence(random.Between(4, 14)))];
        Sentences = [.. Sentences.Concat(Awkward)];

        var cities = new List<string>();
        foreach (var locale in new[] { "en", "de", "fr", "ja", "pl" })
        {
            var address = new Address(locale) { Random = bogus };
            for (var i = 0; i < 30; i++)
            {
                cities.Add(address.City());
            }
        }

        Cities = [.. cities];

        // Long documents (2-8 KB) mixing lorem paragraphs with awkward lines: evidence attached to some inputs.
        Documents = new string[24];
        for (var d = 0; d < Documents.Length; d++)
        {
            var target = random.Between(2048, 8192);
            var text = new StringBuilder(target + 512);
            while (Encoding.UTF8.GetByteCount(text.ToString()) < target)
            {
                text.Append(lorem.Paragraph(random.Between(2, 6))).Append('\n');
                if (random.Percent(40))
                {
                    text.Append(random.Pick(Awkward)).Append('\n');
                }
            }

            Documents[d] = text.ToString();
        }
    }

    public string[] PersonNames { get; }

    public string[] Emails { get; }

    public string[] IpAddresses { get; }

    public string[] UserAgents { get; }

    public string[] Companies { get; }

    public string[] Sentences { get; }

    public string[] Cities { get; }

    public string[] Documents { get; }
}

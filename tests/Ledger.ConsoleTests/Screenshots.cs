using Microsoft.Playwright;

namespace Ledger.ConsoleTests;

/// <summary>
/// Full-page screenshots of the console, written next to the test binaries (<c>screenshots/</c>) and, when
/// <c>DGLEDGER_UPDATE_SCREENSHOTS=1</c>, the ones the README shows into the repository's <c>docs/screenshots/</c>.
/// </summary>
public static class Screenshots
{
    public static readonly IReadOnlySet<string> InReadme = new HashSet<string> { "signin", "overview", "timeline", "trends", "drill", "backup", "compliance" };

    public static async Task<byte[]> TakeAsync(IPage page, string name)
    {
        var bytes = await page.ScreenshotAsync(new PageScreenshotOptions { FullPage = true, Type = ScreenshotType.Png });
        var local = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(local);
        await File.WriteAllBytesAsync(Path.Combine(local, name + ".png"), bytes);
        if (InReadme.Contains(name) && System.Environment.GetEnvironmentVariable("DGLEDGER_UPDATE_SCREENSHOTS") == "1"
            && RepositoryRoot() is { } root)
        {
            var docs = Path.Combine(root, "docs", "screenshots");
            Directory.CreateDirectory(docs);
            await File.WriteAllBytesAsync(Path.Combine(docs, name + ".png"), bytes);
        }

        return bytes;
    }

    private static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DgLedger.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}

using System.Net;
using System.Text.RegularExpressions;
using Ledger.Contracts.Common;
using Microsoft.Playwright;

namespace Ledger.ConsoleTests;

/// <summary>Sign-in, sign-out and what the console refuses, in Chromium and over plain HTTP.</summary>
[Collection(ConsoleCollection.Name)]
public sealed partial class when_someone_signs_in_to_the_console(ConsoleFixture fixture)
{
    [Fact]
    public async Task a_reader_token_opens_a_session_kept_in_an_httponly_samesite_strict_cookie_that_holds_no_token()
    {
        var page = await fixture.SignedInPageAsync(Roles.Reader);

        Assert.Equal("embedded-reader", await page.InnerTextAsync("#signed-in-as"));
        var cookies = await page.Context.CookiesAsync();
        var session = Assert.Single(cookies, c => c.Name == "dgledger_console");
        Assert.True(session.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, session.SameSite);
        Assert.Equal("/ui", session.Path);
        Assert.DoesNotContain(fixture.Stack.Tokens[Roles.Reader], session.Value, StringComparison.Ordinal);
        // HttpOnly: the page's scripts cannot read it.
        Assert.DoesNotContain("dgledger_console=", await page.EvaluateAsync<string>("() => document.cookie"), StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.Stack.Tokens[Roles.Reader], page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_wrong_token_is_refused_and_no_session_is_opened()
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(fixture.Url("/ui/signin").ToString());
        await page.FillAsync("#token", "not-a-ledger-token-0123456789");
        var response = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("#sign-in"),
            r => r.Url.Contains("/ui/signin", StringComparison.Ordinal) && r.Request.Method == "POST");

        Assert.Equal((int)HttpStatusCode.Unauthorized, response.Status);
        Assert.Equal("That is not a token of this ledger.", await page.InnerTextAsync("#signin-error"));
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "dgledger_console");
        await Screenshots.TakeAsync(page, "signin-refused");

        await page.GotoAsync(fixture.Url("/ui").ToString());
        Assert.StartsWith(fixture.Url("/ui/signin").ToString(), page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task signing_out_ends_the_session()
    {
        var page = await fixture.SignedInPageAsync(Roles.Operator);
        var response = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("#sign-out"),
            r => r.Url.EndsWith("/ui/signout", StringComparison.Ordinal));
        Assert.True(response.Status == 302, $"sign-out answered {response.Status}: {(response.Status == 302 ? "" : await response.TextAsync())}");
        await page.WaitForURLAsync(new Regex("/ui/signin"));

        await page.GotoAsync(fixture.Url("/ui/compliance").ToString());
        Assert.StartsWith(fixture.Url("/ui/signin").ToString(), page.Url, StringComparison.Ordinal);
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "dgledger_console");
    }

    [Fact]
    public async Task no_console_page_is_reachable_without_signing_in_not_even_with_a_bearer_token_or_a_token_in_the_url()
    {
        var id = fixture.VerifiedBackup.Id;
        string[] routes =
        [
            "/ui", "/ui/compliance", "/ui/compliance?since=30d", $"/ui/db/{ConsoleFixture.Environment}/{ConsoleFixture.Database}",
            $"/ui/db/{ConsoleFixture.Environment}/{ConsoleFixture.Database}/trends", $"/ui/backups/{id}",
            $"/ui/backups/{fixture.FailedBackup.Id}", $"/ui/drills/{fixture.Drill.Id}", $"/ui/restores/{fixture.Drill.RestoreId}",
            $"/ui/gates/{fixture.Gate.Id}", $"/ui/find/{id}", "/ui/signout",
        ];
        using var anonymous = Client();
        using var bearer = Client();
        bearer.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", fixture.Stack.Tokens[Roles.Admin]);
        foreach (var route in routes)
        {
            foreach (var (client, path) in new[] { (anonymous, route), (bearer, route), (anonymous, route + (route.Contains('?') ? "&" : "?") + "token=" + fixture.Stack.Tokens[Roles.Admin]) })
            {
                using var response = await client.GetAsync(path);
                Assert.True(response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Unauthorized,
                    $"GET {route} answered {(int)response.StatusCode} without a session");
                if (response.StatusCode == HttpStatusCode.Redirect)
                {
                    Assert.StartsWith("/ui/signin", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
                }
            }
        }

        // And in the browser: a backup's page sends a stranger to the sign-in page, which shows nothing of the backup.
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(fixture.Url($"/ui/backups/{id}").ToString());
        Assert.StartsWith(fixture.Url("/ui/signin").ToString(), page.Url, StringComparison.Ordinal);
        var html = await page.ContentAsync();
        Assert.DoesNotContain(fixture.VerifiedBackup.Sha256!, html, StringComparison.Ordinal);
        Assert.DoesNotContain("BackupVerified", html, StringComparison.Ordinal);
        Assert.Equal(1, await page.Locator("#token").CountAsync());
        await Screenshots.TakeAsync(page, "signin");
    }

    [Fact]
    public async Task a_sign_in_post_without_the_antiforgery_token_is_refused()
    {
        using var client = Client();
        using var post = await client.PostAsync("/ui/signin",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = fixture.Stack.Tokens[Roles.Admin] }));

        Assert.Equal(HttpStatusCode.BadRequest, post.StatusCode);
        Assert.False(post.Headers.TryGetValues("Set-Cookie", out var set) && set.Any(c => c.StartsWith("dgledger_console=", StringComparison.Ordinal)));

        // With the form's antiforgery token (and its cookie) the same post signs in: the refusal above was the missing token.
        var form = await (await client.GetAsync("/ui/signin")).Content.ReadAsStringAsync();
        var csrf = CsrfField().Match(form).Groups[1].Value;
        Assert.NotEmpty(csrf);
        using var signedIn = await client.PostAsync("/ui/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = fixture.Stack.Tokens[Roles.Admin],
            ["__csrf"] = csrf,
        }));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Contains(signedIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith("dgledger_console=", StringComparison.Ordinal)
                                                                      && c.Contains("samesite=strict", StringComparison.OrdinalIgnoreCase)
                                                                      && c.Contains("httponly", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task a_sign_out_post_without_the_antiforgery_token_is_refused_and_the_session_stays()
    {
        var page = await fixture.SignedInPageAsync(Roles.Reader);
        // A cross-site form cannot carry the token: replay the sign-out without it from inside the session.
        var response = await page.APIRequest.PostAsync(fixture.Url("/ui/signout").ToString(), new APIRequestContextOptions
        {
            Form = page.APIRequest.CreateFormData(),
            MaxRedirects = 0,
        });
        Assert.Equal((int)HttpStatusCode.BadRequest, response.Status);

        await page.GotoAsync(fixture.Url("/ui").ToString());
        Assert.Equal(fixture.Url("/ui").ToString(), page.Url);
    }

    private HttpClient Client() => new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true })
    {
        BaseAddress = fixture.Stack.LedgerUrl,
    };

    [GeneratedRegex("name=\"__csrf\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfField();
}

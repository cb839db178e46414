using Marten;

namespace Ledger.Api.Http;

/// <summary>
/// "Load it or answer 404" for the read endpoints, written once (WolverineFx.Http.Marten's <c>[Document]</c> does this,
/// but it does not restore on this feed: see README).
/// </summary>
public static class Documents
{
    /// <summary>200 with the document, or a 404 problem that names what was looked for.</summary>
    public static async Task<IResult> ShowAsync<T>(IQuerySession session, Guid id, string what, CancellationToken ct) where T : notnull =>
        await session.LoadAsync<T>(id, ct) is { } document ? Results.Ok(document) : NotFound(what, id);

    public static IResult NotFound(string what, Guid id) => Results.Problem(Problems.NotFound($"No {what} with id {id}."));
}

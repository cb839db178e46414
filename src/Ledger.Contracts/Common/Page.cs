namespace Ledger.Contracts.Common;

/// <summary>
/// One page of a list, newest first. <see cref="HasMore"/> says whether a next page exists (the ledger reads one row
/// past the page to know). <see cref="TotalCount"/> is null unless the caller asked for it (<c>total=true</c>): counting
/// every match costs a scan of all of them, which the first page of a large ledger must not pay.
/// </summary>
public sealed record Page<T>(IReadOnlyList<T> Items, int PageNumber, int PageSize, bool HasMore, long? TotalCount = null);

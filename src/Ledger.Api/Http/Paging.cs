using Ledger.Contracts.Common;
using Marten;

namespace Ledger.Api.Http;

/// <summary>
/// Pages of a Marten query without an exact total by default: the page is read with one row more than it holds, so
/// <see cref="Page{T}.HasMore"/> is known without counting. Marten's <c>ToPagedListAsync</c> adds
/// <c>count(*) OVER()</c>, which makes PostgreSQL read and sort every match before it returns the first row.
/// The total is counted (a separate <c>count(*)</c> over the same filter) only when asked for.
/// </summary>
public static class Paging
{
    public const int DefaultPageSize = 50;

    /// <param name="filtered">The filtered query, unordered (a count must not carry the ordering).</param>
    /// <param name="order">The page order; it must end in a unique key so that pages neither overlap nor skip.</param>
    public static async Task<Page<T>> ToPageAsync<T>(this IQueryable<T> filtered, Func<IQueryable<T>, IOrderedQueryable<T>> order,
        int? page, int? pageSize, bool? total, CancellationToken ct) where T : notnull
    {
        var number = page ?? 1;
        var size = pageSize ?? DefaultPageSize;
        var skip = (int)Math.Min(int.MaxValue, (long)(number - 1) * size);
        var rows = await order(filtered).Skip(skip).Take(size + 1).ToListAsync(ct);
        var hasMore = rows.Count > size;
        var items = hasMore ? rows.Take(size).ToList() : rows;
        long? count = total is true ? await filtered.CountAsync(ct) : null;
        return new Page<T>(items, number, size, hasMore, count);
    }
}

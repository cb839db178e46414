namespace Ledger.Contracts.Common;

/// <summary>One page of a list, newest first.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, int PageNumber, int PageSize, long TotalCount)
{
    public bool HasMore => (long)PageNumber * PageSize < TotalCount;
}

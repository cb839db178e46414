using Ledger.Contracts.Backups;
using Marten;

namespace Ledger.Api.Repositories;

public static class RepositoriesConfiguration
{
    public static StoreOptions AddRepositories(this StoreOptions store)
    {
        store.Schema.For<RepositoryImportRun>();
        return store;
    }
}

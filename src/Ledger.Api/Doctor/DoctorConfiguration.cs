using Ledger.Contracts.Doctor;
using Marten;

namespace Ledger.Api.Doctor;

public static class DoctorConfiguration
{
    public static StoreOptions AddDoctor(this StoreOptions store)
    {
        store.Schema.For<DoctorRun>();
        return store;
    }
}

namespace Ledger.Contracts.Doctor;

/// <summary>A check's verdict: <c>ok</c>, <c>warn</c> (works, but look), <c>fail</c> (something will not work).</summary>
public static class DoctorVerdicts
{
    public const string Ok = "ok";
    public const string Warn = "warn";
    public const string Fail = "fail";
}

using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Ledger.Tests")]

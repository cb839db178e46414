namespace Ledger.Cli.Common;

/// <summary>Bad input from the person or pipeline calling dgledger: exit 2 with this message.</summary>
internal sealed class UsageException(string message) : Exception(message);

using System.Diagnostics;
using System.Globalization;

namespace Ledger.Postgres;

/// <summary>Where the PostgreSQL client (and, for a throwaway cluster, server) programs live.</summary>
public sealed record PgToolPaths(string BinDir)
{
    public string PgDump => Path.Combine(BinDir, "pg_dump");
    public string PgRestore => Path.Combine(BinDir, "pg_restore");
    public string Psql => Path.Combine(BinDir, "psql");
    public string Initdb => Path.Combine(BinDir, "initdb");
    public string PgCtl => Path.Combine(BinDir, "pg_ctl");

    /// <summary>True when this directory also holds the server programs (initdb, pg_ctl) needed for a throwaway cluster.</summary>
    public bool HasServer => File.Exists(Initdb) && File.Exists(PgCtl);

    internal const string ClientInstallHint = "install it with: apt-get install postgresql-client";
    internal const string ServerInstallHint = "install it with: apt-get install postgresql";

    /// <summary>
    /// Finds the directory holding pg_dump: <paramref name="configuredBinDir"/> when given (it must contain pg_dump),
    /// else <c>pg_config --bindir</c>, else the highest <c>/usr/lib/postgresql/*/bin</c>, else the PATH.
    /// </summary>
    /// <exception cref="PgToolsNotFoundException">pg_dump is nowhere to be found, or not in the configured directory.</exception>
    public static PgToolPaths Locate(string? configuredBinDir = null)
    {
        if (!string.IsNullOrWhiteSpace(configuredBinDir))
        {
            var configured = new PgToolPaths(Path.GetFullPath(configuredBinDir));
            if (!Directory.Exists(configured.BinDir))
            {
                throw new PgToolsNotFoundException("pg_dump",
                    $"The configured PostgreSQL bin directory {configured.BinDir} does not exist; fix the setting or leave it empty to search, or {ClientInstallHint}.");
            }

            if (!File.Exists(configured.PgDump))
            {
                throw new PgToolsNotFoundException("pg_dump",
                    $"The configured PostgreSQL bin directory {configured.BinDir} has no pg_dump; fix the setting or leave it empty to search, or {ClientInstallHint}.");
            }

            return configured;
        }

        foreach (var candidate in Candidates())
        {
            if (File.Exists(Path.Combine(candidate, "pg_dump")))
            {
                return new PgToolPaths(candidate);
            }
        }

        throw new PgToolsNotFoundException("pg_dump",
            $"pg_dump was not found (searched pg_config --bindir, /usr/lib/postgresql/*/bin and PATH); {ClientInstallHint}.");
    }

    /// <summary>
    /// Like <see cref="Locate"/>, but the directory must also hold initdb and pg_ctl (the server package).
    /// </summary>
    public static PgToolPaths LocateServer(string? configuredBinDir = null)
    {
        if (!string.IsNullOrWhiteSpace(configuredBinDir))
        {
            var configured = Locate(configuredBinDir);
            return configured.HasServer
                ? configured
                : throw new PgToolsNotFoundException("initdb",
                    $"The configured PostgreSQL bin directory {configured.BinDir} has no initdb/pg_ctl; {ServerInstallHint}.");
        }

        foreach (var candidate in Candidates())
        {
            var tools = new PgToolPaths(candidate);
            if (File.Exists(tools.PgDump) && tools.HasServer)
            {
                return tools;
            }
        }

        throw new PgToolsNotFoundException("initdb",
            $"initdb was not found (searched pg_config --bindir, /usr/lib/postgresql/*/bin and PATH); {ServerInstallHint}.");
    }

    private static IEnumerable<string> Candidates()
    {
        if (FromPgConfig() is { } fromPgConfig)
        {
            yield return fromPgConfig;
        }

        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            var versioned = Directory.EnumerateDirectories(debianRoot)
                .Select(dir => (Dir: dir, Version: decimal.TryParse(Path.GetFileName(dir), NumberStyles.Number, CultureInfo.InvariantCulture, out var v) ? v : -1))
                .Where(x => x.Version >= 0)
                .OrderByDescending(x => x.Version);
            foreach (var (dir, _) in versioned)
            {
                yield return Path.Combine(dir, "bin");
            }
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            yield return dir;
        }
    }

    private static string? FromPgConfig()
    {
        var pgConfig = FindOnPath("pg_config");
        if (pgConfig is null)
        {
            return null;
        }

        try
        {
            var psi = new ProcessStartInfo(pgConfig) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add("--bindir");
            using var process = Process.Start(psi);
            if (process is null)
            {
                return null;
            }

            var stdout = process.StandardOutput.ReadToEnd();
            _ = process.StandardError.ReadToEnd();
            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                process.Kill(entireProcessTree: true);
                return null;
            }

            var dir = stdout.Trim();
            return process.ExitCode == 0 && dir.Length > 0 && Directory.Exists(dir) ? dir : null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException or InvalidOperationException)
        {
            return null;
        }
    }

    public static string? FindOnPath(string program)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}

/// <summary>A PostgreSQL program DgLedger needs is not installed (or not where configuration says).</summary>
public sealed class PgToolsNotFoundException : Exception
{
    public PgToolsNotFoundException(string missingTool, string message) : base(message) => MissingTool = missingTool;

    public PgToolsNotFoundException() : this("pg_dump", "pg_dump was not found; " + PgToolPaths.ClientInstallHint + ".")
    {
    }

    public PgToolsNotFoundException(string message) : this("pg_dump", message)
    {
    }

    public PgToolsNotFoundException(string message, Exception innerException) : base(message, innerException) => MissingTool = "pg_dump";

    /// <summary>The program that was looked for: pg_dump, or initdb when a throwaway cluster was wanted.</summary>
    public string MissingTool { get; }
}

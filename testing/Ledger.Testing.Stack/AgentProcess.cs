using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ledger.Testing.Stack;

/// <summary>
/// The agent as its own operating-system process, from the built <c>Ledger.Agent.dll</c>, for tests that kill it:
/// its configuration is an <c>appsettings.json</c> (mode 0600) in a private working directory, never its command
/// line; stdout and stderr are captured; <see cref="Kill"/> sends SIGKILL to the agent alone (its children are left to
/// whatever the agent arranged for them); <see cref="StartAsync"/> starts it again with the same configuration.
/// Fail points (<c>Ledger.Agent.Recovery.FailPoints</c>) armed at a start make the agent write
/// <c>&lt;phase&gt;.reached</c> into <see cref="MarkerDirectory"/> and block there: <see cref="WaitForPhaseAsync"/>
/// waits for that marker.
/// </summary>
public sealed class AgentProcess : IAsyncDisposable
{
    // Names of the agent's fail-point variables (Ledger.Agent.Recovery.FailPoints), repeated so this file stands alone.
    private const string ArmedVariable = "DGLEDGER_FAILPOINTS";
    private const string MarkerDirectoryVariable = "DGLEDGER_FAILPOINT_DIR";
    private const string MarkerSuffix = ".reached";
    private const string ReleaseSuffix = ".release";

    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();
    private Process? _process;

    private AgentProcess(string directory, string agentDll)
    {
        Directory = directory;
        AgentDll = agentDll;
        MarkerDirectory = Path.Combine(directory, "markers");
        System.IO.Directory.CreateDirectory(MarkerDirectory);
    }

    /// <summary>The agent's private working directory (its content root, holding appsettings.json).</summary>
    public string Directory { get; }

    /// <summary>Where reached fail points leave their marker files.</summary>
    public string MarkerDirectory { get; }

    public string AgentDll { get; }

    /// <summary>The running incarnation's process id, or null.</summary>
    public int? Pid => _process is { HasExited: false } p ? p.Id : null;

    /// <summary>How many times the agent was started.</summary>
    public int Starts { get; private set; }

    /// <summary>Everything every incarnation wrote to stdout and stderr, each line prefixed with its incarnation.</summary>
    public string Output
    {
        get
        {
            lock (_gate)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Prepares an agent with <paramref name="settings"/> (configuration keys as <c>Agent:Databases:0:Name</c>) written
    /// to <c>appsettings.json</c> in a new private directory. Nothing is started.
    /// </summary>
    public static AgentProcess Create(IReadOnlyDictionary<string, string?> settings, string? agentDll = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "dgledger-agentproc-" + Guid.NewGuid().ToString("N")[..8]);
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(directory);
        }
        else
        {
            System.IO.Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var agent = new AgentProcess(directory, agentDll ?? LocateAgentDll());
        agent.WriteSettings(settings);
        return agent;
    }

    /// <summary>Replaces the configuration a next start reads (a restart normally keeps it).</summary>
    public void WriteSettings(IReadOnlyDictionary<string, string?> settings)
    {
        var root = new JsonObject();
        foreach (var (key, value) in settings)
        {
            var node = root;
            var parts = key.Split(':');
            foreach (var part in parts[..^1])
            {
                if (node[part] is not JsonObject child)
                {
                    child = new JsonObject();
                    node[part] = child;
                }

                node = child;
            }

            node[parts[^1]] = value;
        }

        var path = Path.Combine(Directory, "appsettings.json");
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var file = new FileStream(path, options);
        JsonSerializer.Serialize(file, root, new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>
    /// Starts the agent (it must not be running) with the given fail points armed, and returns once the process runs.
    /// Markers of earlier incarnations are removed first.
    /// </summary>
    public Task StartAsync(params string[] failPoints)
    {
        if (Pid is not null)
        {
            throw new InvalidOperationException("The agent is already running.");
        }

        foreach (var marker in System.IO.Directory.EnumerateFiles(MarkerDirectory))
        {
            File.Delete(marker);
        }

        var psi = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = Directory,
        };
        psi.ArgumentList.Add(AgentDll);
        // The configuration is the file in the working directory: nothing the test process inherited overrides it.
        foreach (var key in psi.Environment.Keys.ToList())
        {
            if (key.StartsWith("ConnectionStrings__", StringComparison.OrdinalIgnoreCase) || key.StartsWith("Agent__", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("DGLEDGER_", StringComparison.Ordinal) || key.StartsWith("PG", StringComparison.Ordinal))
            {
                psi.Environment.Remove(key);
            }
        }

        psi.Environment["DOTNET_ENVIRONMENT"] = "Production";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment[MarkerDirectoryVariable] = MarkerDirectory;
        if (failPoints.Length > 0)
        {
            psi.Environment[ArmedVariable] = string.Join(',', failPoints);
        }

        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var incarnation = ++Starts;
        process.OutputDataReceived += (_, e) => Append(incarnation, e.Data);
        process.ErrorDataReceived += (_, e) => Append(incarnation, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        Append(incarnation, $"[started pid {process.Id}{(failPoints.Length > 0 ? ", fail points " + string.Join(',', failPoints) : "")}]");
        return Task.CompletedTask;
    }

    /// <summary>Waits until the armed fail point <paramref name="phase"/> is reached; false on timeout or if the agent exited.</summary>
    public async Task<bool> WaitForPhaseAsync(string phase, TimeSpan timeout, CancellationToken ct = default)
    {
        var marker = Path.Combine(MarkerDirectory, phase + MarkerSuffix);
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (DateTimeOffset.UtcNow < deadline)
        {
            if (File.Exists(marker))
            {
                return true;
            }

            if (_process is { HasExited: true })
            {
                return false;
            }

            await Task.Delay(50, ct);
        }

        return false;
    }

    /// <summary>Lets an agent blocked at the reached fail point <paramref name="phase"/> go on (a fault outside the agent was injected meanwhile).</summary>
    public void Release(string phase)
    {
        var release = Path.Combine(MarkerDirectory, phase + ReleaseSuffix);
        File.WriteAllText(release + ".tmp", "");
        File.Move(release + ".tmp", release, overwrite: true);
    }

    /// <summary>The phases reached by the running incarnation (their marker files).</summary>
    public IReadOnlyList<string> ReachedPhases() =>
        System.IO.Directory.EnumerateFiles(MarkerDirectory, "*" + MarkerSuffix)
            .Select(f => Path.GetFileName(f)[..^MarkerSuffix.Length]).Order().ToList();

    /// <summary>SIGKILL to the agent alone (not its process tree), then waits for it to be gone.</summary>
    public void Kill()
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        var pid = process.Id;
        process.Kill(entireProcessTree: false);
        process.WaitForExit(10_000);
        Append(Starts, $"[SIGKILL pid {pid}]");
    }

    /// <summary>A graceful stop (SIGTERM), waiting at most <paramref name="timeout"/>, then SIGKILL.</summary>
    public async Task StopAsync(TimeSpan? timeout = null)
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        if (!OperatingSystem.IsWindows())
        {
            using var term = Process.Start(new ProcessStartInfo("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
            await term.WaitForExitAsync();
        }

        using var wait = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        try
        {
            await process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    /// <summary>The running agent's command line as the kernel shows it to every user (/proc/PID/cmdline).</summary>
    public string CommandLine() =>
        Pid is { } pid && File.Exists($"/proc/{pid}/cmdline")
            ? File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim()
            : "";

    /// <summary>Processes whose parent is <paramref name="pid"/> (from /proc), with their command names.</summary>
    public static IReadOnlyList<(int Pid, string Name)> ChildrenOf(int pid)
    {
        var children = new List<(int, string)>();
        if (!System.IO.Directory.Exists("/proc"))
        {
            return children;
        }

        foreach (var entry in System.IO.Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var candidate))
            {
                continue;
            }

            try
            {
                // /proc/PID/stat: "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
                var stat = File.ReadAllText(Path.Combine(entry, "stat"));
                var close = stat.LastIndexOf(')');
                var fields = stat[(close + 2)..].Split(' ');
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) == pid)
                {
                    children.Add((candidate, stat[(stat.IndexOf('(') + 1)..close]));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // the process went away while being read
            }
        }

        return children;
    }

    /// <summary>Whether a process with this id still exists (and is not a zombie).</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// The built agent: <c>DGLEDGER_AGENT_DLL</c> if set, else the agent project's own build output of the same
    /// configuration as the running tests (src/Agent/bin/&lt;Configuration&gt;/&lt;tfm&gt;), else a copy beside them.
    /// </summary>
    public static string LocateAgentDll()
    {
        if (Environment.GetEnvironmentVariable("DGLEDGER_AGENT_DLL") is { Length: > 0 } configured)
        {
            return configured;
        }

        var baseDirectory = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        var tfm = Path.GetFileName(baseDirectory);
        var configuration = Path.GetFileName(Path.GetDirectoryName(baseDirectory)!);
        for (var at = new DirectoryInfo(baseDirectory); at is not null; at = at.Parent)
        {
            if (File.Exists(Path.Combine(at.FullName, "DgLedger.sln")))
            {
                var built = Path.Combine(at.FullName, "src", "Agent", "bin", configuration, tfm, "Ledger.Agent.dll");
                if (File.Exists(built))
                {
                    return built;
                }

                break;
            }
        }

        var beside = Path.Combine(baseDirectory, "Ledger.Agent.dll");
        return File.Exists(beside) && File.Exists(Path.Combine(baseDirectory, "Ledger.Agent.runtimeconfig.json"))
            ? beside
            : throw new FileNotFoundException("Ledger.Agent.dll was not found: build src/Agent (or set DGLEDGER_AGENT_DLL).");
    }

    private void Append(int incarnation, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _output.Append('[').Append(incarnation).Append("] ").AppendLine(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        await Task.Yield();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

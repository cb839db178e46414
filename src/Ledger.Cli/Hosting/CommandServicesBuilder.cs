using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Ledger.Cli.Hosting;

/// <summary>
/// The part of <see cref="IHostBuilder"/> that Cocona's <c>ConfigureCocona</c> needs: it registers its services through
/// <c>ConfigureServices</c>, and that is all dgledger uses. A <see cref="HostBuilder"/> would also build configuration,
/// a hosting environment with a physical file provider, logging, metrics and the host's lifetime, none of which a
/// command uses; on a new process for every pipeline step that is start-up time for nothing. The CLI reads no
/// configuration files: its settings are options and <c>DGLEDGER_*</c> variables (see <c>LedgerEndpoint</c>).
/// </summary>
internal sealed class CommandServicesBuilder : IHostBuilder
{
    private readonly List<Action<HostBuilderContext, IServiceCollection>> _configureServices = [];

    public IDictionary<object, object> Properties { get; } = new Dictionary<object, object>();

    public IHostBuilder ConfigureServices(Action<HostBuilderContext, IServiceCollection> configureDelegate)
    {
        _configureServices.Add(configureDelegate);
        return this;
    }

    /// <summary>Ignored: nothing in the CLI reads host or app configuration.</summary>
    public IHostBuilder ConfigureHostConfiguration(Action<IConfigurationBuilder> configureDelegate) => this;

    /// <summary>Ignored: nothing in the CLI reads host or app configuration.</summary>
    public IHostBuilder ConfigureAppConfiguration(Action<HostBuilderContext, IConfigurationBuilder> configureDelegate) => this;

    public IHostBuilder UseServiceProviderFactory<TContainerBuilder>(IServiceProviderFactory<TContainerBuilder> factory)
        where TContainerBuilder : notnull => throw new NotSupportedException("dgledger uses the default service provider.");

    public IHostBuilder UseServiceProviderFactory<TContainerBuilder>(Func<HostBuilderContext, IServiceProviderFactory<TContainerBuilder>> factory)
        where TContainerBuilder : notnull => throw new NotSupportedException("dgledger uses the default service provider.");

    public IHostBuilder ConfigureContainer<TContainerBuilder>(Action<HostBuilderContext, TContainerBuilder> configureDelegate) =>
        throw new NotSupportedException("dgledger uses the default service provider.");

    /// <summary>Not a host: use <see cref="BuildServiceProvider"/>.</summary>
    public IHost Build() => throw new NotSupportedException("dgledger runs commands without a host: call BuildServiceProvider.");

    public ServiceProvider BuildServiceProvider()
    {
        var context = new HostBuilderContext(Properties);
        var services = new ServiceCollection();
        foreach (var configure in _configureServices)
        {
            configure(context, services);
        }

        return services.BuildServiceProvider();
    }
}

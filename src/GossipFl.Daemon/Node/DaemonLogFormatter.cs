using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace GossipFl.Daemon.Node;

/// <summary>
/// One short line per event, for people: <c>14:02:11 node-3  round 7 done: ...</c>, with <c>warning:</c> or
/// <c>error:</c> in front when it is one. The node name lets several daemons share a terminal (scripts/simulate.sh).
/// </summary>
internal sealed class DaemonLogFormatter : ConsoleFormatter, IDisposable
{
    public const string FormatterName = "gossipfl";

    private readonly IDisposable? _reload;
    private DaemonLogOptions _options;

    public DaemonLogFormatter(IOptionsMonitor<DaemonLogOptions> options)
        : base(FormatterName)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.CurrentValue;
        _reload = options.OnChange(updated => _options = updated);
    }

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        ArgumentNullException.ThrowIfNull(textWriter);
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null)
        {
            return;
        }

        textWriter.Write(DateTime.Now.ToString("HH:mm:ss ", System.Globalization.CultureInfo.InvariantCulture));
        if (!string.IsNullOrEmpty(_options.Node))
        {
            textWriter.Write(_options.Node);
            textWriter.Write("  ");
        }

        textWriter.Write(logEntry.LogLevel switch
        {
            LogLevel.Warning => "warning: ",
            LogLevel.Error or LogLevel.Critical => "error: ",
            _ => string.Empty,
        });
        textWriter.WriteLine(message);
        if (logEntry.Exception is { } exception)
        {
            // Unexpected failures keep their stack trace: they are bugs to report, not user errors.
            textWriter.WriteLine(exception.ToString());
        }
    }

    public void Dispose() => _reload?.Dispose();
}

using Microsoft.Extensions.Logging;

namespace GossipFl.Daemon.Tests;

/// <summary>Keeps every formatted line logged to it, with its level, for tests that check what a component said.</summary>
internal sealed class CapturingLogger : ILogger
{
    private readonly List<(LogLevel Level, string Text)> _lines = [];

    /// <summary>Every line so far.</summary>
    public IReadOnlyList<string> Lines => At(LogLevel.Trace);

    /// <summary>The lines logged as errors or worse.</summary>
    public IReadOnlyList<string> Errors => At(LogLevel.Error);

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        lock (_lines)
        {
            _lines.Add((logLevel, formatter(state, exception)));
        }
    }

    private string[] At(LogLevel minimum)
    {
        lock (_lines)
        {
            return _lines.Where(l => l.Level >= minimum).Select(l => l.Text).ToArray();
        }
    }
}

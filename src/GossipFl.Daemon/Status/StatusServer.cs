using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GossipFl.Daemon.Status;

/// <summary>
/// The node's HTTP status endpoint: <c>/status</c> (JSON), <c>/metrics</c> (Prometheus text), <c>/healthz</c>,
/// and <c>/model</c> (the de-biased parameters as little-endian float32, for consensus distance in
/// <c>gossipfl inspect</c>). Binds to loopback unless told otherwise: parameters can leak training data, so
/// exposing them beyond the machine must be a deliberate choice.
/// </summary>
internal sealed class StatusServer : IAsyncDisposable
{
    public const string ModelRoundHeader = "X-GossipFl-Round";

    /// <summary>The media type <c>/model</c> answers with when asked for safetensors (<c>?format=safetensors</c> or this in Accept).</summary>
    public const string SafeTensorsContentType = "application/vnd.safetensors";

    internal static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    private readonly WebApplication _app;

    private StatusServer(WebApplication app) => _app = app;

    /// <summary>The bound address, e.g. http://127.0.0.1:41234 (port 0 asks the system for a free one).</summary>
    /// <summary>
    /// The host argument that stops the default appsettings.json sources from watching their files: each watcher is an
    /// inotify instance, 128 per user by default, and 64 daemons on one host each holding two ran out of them.
    /// </summary>
    internal const string NoConfigurationReload = "--hostBuilder:reloadConfigOnChange=false";

    public Uri Address { get; private set; } = null!;

    public static async Task<StatusServer> StartAsync(INodeStatusSource source, IPAddress address, int port, ILoggerProvider? logging, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(source);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [NoConfigurationReload] });
        builder.Logging.ClearProviders();
        if (logging is not null)
        {
            builder.Logging.AddProvider(logging);
        }

        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(address, port));
        var app = builder.Build();
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/status", () => Results.Text(JsonSerializer.Serialize(source.Snapshot(), Json), "application/json"));
        app.MapGet("/metrics", () => Results.Text(PrometheusText.Render(source.Snapshot(), DateTimeOffset.UtcNow), PrometheusText.ContentType));
        app.MapGet("/model", (HttpContext context) =>
        {
            if (source.Model() is not var (round, parameters))
            {
                return Results.Problem("no model yet: the node has not completed a round", statusCode: StatusCodes.Status503ServiceUnavailable);
            }

            // Raw floats by default (what inspect reads); safetensors when asked by query or Accept header.
            var accept = context.Request.Headers.Accept.ToString();
            if (string.Equals(context.Request.Query["format"], "safetensors", StringComparison.OrdinalIgnoreCase)
                || accept.Contains(SafeTensorsContentType, StringComparison.OrdinalIgnoreCase))
            {
                context.Response.Headers[ModelRoundHeader] = round.ToString(CultureInfo.InvariantCulture);
                return source.ModelAsSafeTensors(round, parameters) is { } file
                    ? Results.Bytes(file, SafeTensorsContentType, $"round-{round}.safetensors")
                    : Results.Problem("this node cannot describe its parameters as named tensors", statusCode: StatusCodes.Status406NotAcceptable);
            }

            var bytes = new byte[parameters.Length * sizeof(float)];
            for (var i = 0; i < parameters.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), parameters[i]);
            }

            context.Response.Headers[ModelRoundHeader] = round.ToString(CultureInfo.InvariantCulture);
            return Results.Bytes(bytes, "application/octet-stream");
        });

        var server = new StatusServer(app);
        await app.StartAsync(cancellation).ConfigureAwait(false);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Address = new Uri(bound);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}

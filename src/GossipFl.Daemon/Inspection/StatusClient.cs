using System.Buffers.Binary;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using GossipFl.Daemon.Status;

namespace GossipFl.Daemon.Inspection;

/// <summary>Reads peers' status endpoints (<c>/status</c> and <c>/model</c>) with a bounded timeout each.</summary>
internal sealed class StatusClient(HttpClient http)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public async Task<PeerReading> ReadAsync(Uri endpoint, CancellationToken cancellation)
    {
        try
        {
            var status = await http.GetFromJsonAsync<NodeStatus>(new Uri(endpoint, "status"), Json, cancellation).ConfigureAwait(false)
                ?? throw new JsonException("empty status document");
            using var response = await http.GetAsync(new Uri(endpoint, "model"), cancellation).ConfigureAwait(false);
            (long, float[])? model = null;
            if (response.IsSuccessStatusCode)
            {
                var bytes = await response.Content.ReadAsByteArrayAsync(cancellation).ConfigureAwait(false);
                if (bytes.Length % sizeof(float) != 0)
                {
                    throw new InvalidDataException($"/model returned {bytes.Length} bytes, not a whole number of float32 values");
                }

                var parameters = new float[bytes.Length / sizeof(float)];
                for (var i = 0; i < parameters.Length; i++)
                {
                    parameters[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * sizeof(float)));
                }

                var round = long.Parse(response.Headers.GetValues(StatusServer.ModelRoundHeader).First(), NumberStyles.Integer, CultureInfo.InvariantCulture);
                model = (round, parameters);
            }

            return new PeerReading(endpoint, status, model, null, DateTimeOffset.UtcNow);
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or InvalidDataException or FormatException
                                       or InvalidOperationException or TaskCanceledException && !cancellation.IsCancellationRequested)
        {
            // A peer that is down or answers nonsense is a row in the table, not a failure of the whole view.
            return new PeerReading(endpoint, null, null, Describe(ex), DateTimeOffset.UtcNow);
        }
    }

    private static string Describe(Exception ex) => ex switch
    {
        TaskCanceledException => "timed out",
        HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } => "connection refused",
        _ => ex.Message,
    };
}

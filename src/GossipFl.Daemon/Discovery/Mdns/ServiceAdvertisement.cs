using System.Globalization;
using System.Text;

namespace GossipFl.Daemon.Discovery.Mdns;

/// <summary>What the responder advertises, independent of names chosen after conflicts.</summary>
internal sealed record ServiceAdvertisement(string NodeName, ushort Port, int ProtocolVersion, string KeyFingerprint)
{
    /// <summary>TCP port of the status endpoint when it is reachable from the network; 0 for none (no TXT key then).</summary>
    public ushort StatusPort { get; init; }

    public IEnumerable<KeyValuePair<string, string>> TxtPairs()
    {
        List<KeyValuePair<string, string>> pairs =
        [
            new(GossipFlTxtKeys.TxtVersion, GossipFlTxtKeys.CurrentTxtVersion),
            new(GossipFlTxtKeys.ProtocolVersion, ProtocolVersion.ToString(CultureInfo.InvariantCulture)),
            new(GossipFlTxtKeys.NodeName, NodeName),
            new(GossipFlTxtKeys.KeyFingerprint, KeyFingerprint),
            new(GossipFlTxtKeys.TransportPort, Port.ToString(CultureInfo.InvariantCulture)),
        ];
        if (StatusPort != 0)
        {
            pairs.Add(new(GossipFlTxtKeys.StatusPort, StatusPort.ToString(CultureInfo.InvariantCulture)));
        }

        return pairs;
    }

    /// <summary>
    /// A host label for the SRV target: the node name reduced to letters, digits and '-', because host names
    /// are looked up by ordinary resolvers (RFC 952/1123 rules), unlike instance names which are free text.
    /// </summary>
    public string HostLabel()
    {
        var builder = new StringBuilder();
        foreach (var c in NodeName.ToLowerInvariant())
        {
            builder.Append(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') ? c : '-');
        }

        var label = builder.ToString().Trim('-');
        label = label.Length > 40 ? label[..40] : label;
        return label.Length == 0 ? "gossipfl" : label;
    }
}

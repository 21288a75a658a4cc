namespace GossipFl.Daemon.Node;

/// <summary>
/// Everything a daemon is told, after layering (lowest first): the topology file's <c>training:</c> section, an
/// optional JSON config file, <c>GOSSIPFL_*</c> environment variables (e.g. <c>GOSSIPFL_ROUNDS=50</c>), then flags.
/// Bound from Microsoft.Extensions.Configuration, so the keys are these property names.
/// </summary>
internal sealed class DaemonSettings
{
    public string Topology { get; set; } = "";

    public string? Node { get; set; }

    public string? DataDir { get; set; }

    public string Bind { get; set; } = "0.0.0.0";

    public int Port { get; set; }

    public List<string> Interface { get; set; } = [];

    /// <summary>Static peers, <c>NAME@host:port</c>, for networks without multicast.</summary>
    public List<string> Peer { get; set; } = [];

    public bool Mdns { get; set; } = true;

    public string StatusBind { get; set; } = "127.0.0.1";

    /// <summary>Status endpoint port; 0 picks a free one (written to DATA/status.url); -1 turns it off.</summary>
    public int StatusPort { get; set; }

    public string? PskFile { get; set; }

    public string Algorithm { get; set; } = "ops";

    public string Model { get; set; } = "mlp";

    /// <summary>
    /// The node's own data (a file or a directory, docs/datasets.md): all of it is trained on, less the validation
    /// split. Null: the experiment on one shared data set (<see cref="Dataset"/> split by <see cref="Partition"/>).
    /// </summary>
    public string? Data { get; set; }

    /// <summary>A shared benchmark set every node also evaluates on (with <see cref="Data"/>).</summary>
    public string? TestData { get; set; }

    /// <summary>Share of each class of <see cref="Data"/> held out to validate on, in [0, 1).</summary>
    public double ValidationFraction { get; set; } = 0.1;

    /// <summary>CSV files: the label column, by header name or 0-based index (negative from the end; default the last).</summary>
    public string? LabelColumn { get; set; }

    /// <summary>Weights every peer starts from (a .safetensors file, or a TorchScript .pt with trained weights), instead of a seeded draw.</summary>
    public string? Init { get; set; }

    public string Dataset { get; set; } = "fashion-mnist";

    public string Partition { get; set; } = "dirichlet:0.5";

    public int Rounds { get; set; } = 50;

    public int LocalSteps { get; set; } = 10;

    public int BatchSize { get; set; } = 32;

    public double Lr { get; set; } = 0.05;

    public ulong Seed { get; set; } = 1;

    public int EvalEvery { get; set; } = 5;

    public double RoundDeadline { get; set; } = 60;

    /// <summary><c>sync</c>: every round waits for all trusted peers; <c>async</c>: bounded staleness (docs/algorithms.md).</summary>
    public string Mode { get; set; } = "sync";

    /// <summary>Asynchronous mode: rounds a node may run ahead of what it has heard from a live trusted peer (τ).</summary>
    public int Staleness { get; set; } = RoundOptions.DefaultStaleness;

    public double PeerWait { get; set; } = 30;

    public int Threads { get; set; } = 1;

    /// <summary>
    /// How received models are combined: <c>mean</c>; FedAvg <c>median</c>, <c>trimmed:F</c>, <c>krum:F</c>,
    /// <c>normbound:C</c>; gossip <c>clipped:TAU</c> or <c>clipped:auto</c> (docs/algorithms.md).
    /// </summary>
    public string Aggregation { get; set; } = "mean";

    /// <summary>Test-only: run as a Byzantine peer (<c>sign-flip</c>, <c>gaussian</c>, <c>label-flip</c>); null for an honest node.</summary>
    public string? Attack { get; set; }

    /// <summary>
    /// Codec of what peers send: <c>none</c>, <c>fp16</c>, <c>int8</c>, <c>sign</c> or <c>topk:FRACTION</c>: compressed push-sum for
    /// ops, CHOCO-SGD for dsgd, in synchronous mode on a fixed topology (docs/algorithms.md).
    /// </summary>
    public string Compress { get; set; } = "none";

    /// <summary>
    /// Where <see cref="Compress"/> was set, as refusals name it: <c>--compress</c> (or its GOSSIPFL_COMPRESS and
    /// --config forms), or <c>FILE: training: compress</c> when only the topology's section set it, since a user who
    /// typed no flag would look for one in vain. No public setter, so binding leaves it alone; <c>start</c> sets it.
    /// </summary>
    public string CompressSource { get; internal set; } = "--compress";

    /// <summary>Compressed gossip's consensus step γ; null: the codec's default.</summary>
    public double? ConsensusStep { get; set; }

    /// <summary>FedAvg: the coordinator learns only the weighted sum of the clients' updates (docs/secure-aggregation.md).</summary>
    public bool SecureAggregation { get; set; }

    /// <summary>Test-only: with secure aggregation, kill this process right after its masked input of this round was acknowledged.</summary>
    public long? CrashAfterMaskedInput { get; set; }

    /// <summary>FedAvg: local epochs E per round on a sampled client.</summary>
    public int LocalEpochs { get; set; } = 1;

    /// <summary>FedAvg: fraction C of the live peers sampled each round.</summary>
    public double ClientFraction { get; set; } = 0.5;

    /// <summary>FedAvg: votes that elect a coordinator: <c>majority</c> or a count above half the nodes.</summary>
    public string Quorum { get; set; } = "majority";

    /// <summary>FedAvg: a peer that hears no coordinator for a random time in [T, 2T) seconds stands for election.</summary>
    public double ElectionTimeout { get; set; } = 1.5;

    /// <summary>FedAvg: seconds without any coordinator after which a peer gives up (exit code 1).</summary>
    public double LeaderlessTimeout { get; set; } = 120;

    /// <summary>Peer-level DP (docs/privacy.md): the clip norm C of each round's update, a number or <c>inf</c>; null: no DP.</summary>
    public string? DpClip { get; set; }

    /// <summary>Peer-level DP: the noise multiplier σ.</summary>
    public double? DpNoise { get; set; }

    /// <summary>Peer-level DP: calibrate σ so that <see cref="Rounds"/> rounds reach this ε at the node's δ.</summary>
    public double? DpEpsilonTarget { get; set; }

    /// <summary>Sample-level DP-SGD (docs/privacy.md): the clip norm of each sample's gradient; null: no sample-level DP.</summary>
    public double? DpSampleClip { get; set; }

    /// <summary>Sample-level DP-SGD: the noise multiplier σ of each step.</summary>
    public double? DpSampleNoise { get; set; }

    /// <summary>Peer-level DP: δ of the reported ε; null: 1 / the node's sample count rounded down to a power of ten.</summary>
    public double? DpDelta { get; set; }

    /// <summary>Peer-level DP: stop training before a round that would take ε above this.</summary>
    public double? DpEpsilonBudget { get; set; }

    /// <summary>Peer-level DP, experiments only: seed the noise (anyone who knows it can remove it); null: the OS CSPRNG.</summary>
    public ulong? DpNoiseSeed { get; set; }
}

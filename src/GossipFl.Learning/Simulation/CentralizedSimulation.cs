using System.Diagnostics;
using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Models;
using GossipFl.Learning.Training;

namespace GossipFl.Learning.Simulation;

/// <summary>
/// The centralized reference in the simulator's terms, written to the same metrics as a peer run (one node
/// named "central"). Two forms: a learner over the pooled data stream (the online setting: each round one
/// step on every peer's batch of that round together), or <see cref="CentralizedTrainer"/> with one epoch per
/// round (the libtorch datasets).
/// </summary>
public sealed class CentralizedSimulation
{
    public const string NodeName = "central";

    private readonly ILocalLearner? _learner;
    private readonly CentralizedTrainer? _trainer;
    private readonly float[] _parameters;
    private readonly int _rounds;
    private readonly int _evalEvery;
    private readonly IMetricsSink? _sink;

    public CentralizedSimulation(ILocalLearner learner, ReadOnlySpan<float> initial, int rounds, int evalEvery, IMetricsSink? sink = null)
    {
        ArgumentNullException.ThrowIfNull(learner);
        _learner = learner;
        _parameters = initial.ToArray();
        _rounds = rounds;
        _evalEvery = evalEvery;
        _sink = sink;
    }

    public CentralizedSimulation(CentralizedTrainer trainer, int parameterCount, int epochs, int evalEvery, IMetricsSink? sink = null)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        _trainer = trainer;
        _parameters = new float[parameterCount];
        _rounds = epochs;
        _evalEvery = evalEvery;
        _sink = sink;
    }

    public SimulationResult Run(IProgress<SimulationProgress>? progress = null, CancellationToken cancellation = default)
    {
        var clock = Stopwatch.StartNew();
        var options = new SimulationOptions(AlgorithmKind.Centralized, _rounds, 0, NetworkConditions.Perfect, _evalEvery);
        RoundMetrics? last = null;
        var completed = 0;
        var cancelled = false;
        var lossSum = 0.0;
        for (long round = 0; round < _rounds; round++)
        {
            if (cancellation.IsCancellationRequested)
            {
                cancelled = true;
                break;
            }

            double loss;
            Evaluation? evaluation = null;
            if (_learner is not null)
            {
                loss = _learner.Train(round, _parameters, _parameters);
                if (options.IsEvaluationRound(round))
                {
                    evaluation = _learner.Evaluate(_parameters);
                }
            }
            else
            {
                var epoch = _trainer!.RunEpoch((int)round + 1, null, cancellation);
                loss = epoch.TrainLoss;
                evaluation = epoch.Test;
            }

            lossSum += loss;
            double? accuracy = evaluation is { } e && !double.IsNaN(e.Accuracy) ? e.Accuracy : null;
            last = new RoundMetrics(round, 1, 1, loss, lossSum / (round + 1), accuracy, accuracy, accuracy, 0, 0, clock.Elapsed.TotalSeconds);
            _sink?.WriteRound(last);
            if (evaluation is { } v)
            {
                _sink?.WriteNode(new NodeMetrics(round, NodeName, loss, double.IsNaN(v.Loss) ? null : v.Loss, accuracy, 1, 0, 0));
            }

            completed++;
            progress?.Report(new SimulationProgress(round, _rounds, loss, accuracy));
        }

        return new SimulationResult(completed, cancelled, last, [_parameters.ToArray()], [1.0], 0, 0, 0, clock.Elapsed);
    }
}

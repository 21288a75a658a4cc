using System.Globalization;
using GossipFl.Topology.Generation;
using GossipFl.Topology.Graph;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace GossipFl.Topology.Files;

// The validating walk over one parsed file, kept apart from the public entry points.
public static partial class TopologyFileReader
{
    /// <summary>One read of one file: the problems found so far and the helpers that add to them.</summary>
    private sealed class Context(string? path)
    {
        public List<TopologyProblem> Problems { get; } = [];

        private List<TopologyProblem> Warnings { get; } = [];

        public TopologyDocument? Read(string text)
        {
            var stream = new YamlStream();
            try
            {
                stream.Load(new StringReader(text));
            }
            catch (YamlException ex)
            {
                var (line, column) = ((int)ex.Start.Line, (int)ex.Start.Column);
                if (ex.Message.Contains("tab", StringComparison.OrdinalIgnoreCase) && FirstIndentingTab(text) is { } tab)
                {
                    // YamlDotNet places this error at the start of the enclosing mapping; point at the tab itself.
                    (line, column) = tab;
                }

                Problems.Add(new TopologyProblem("YAML syntax error: " + CleanYamlMessage(ex), line, column));
                return null;
            }
            catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
            {
                // YamlDotNet 16.3 fails this way, without a position, on some malformed streams (a stray ']'
                // after a document-end marker '...'; a mapping key that is itself an unfinished flow
                // collection); found by the fuzz test. It is still the user's syntax, not our bug.
                Problems.Add(new TopologyProblem("YAML syntax error: " + ex.Message));
                return null;
            }

            if (stream.Documents.Count == 0 || IsEmpty(stream.Documents[0].RootNode))
            {
                Problems.Add(new TopologyProblem("the file is empty; a topology needs 'version: 1' and either 'nodes:' or 'generator:'"));
                return null;
            }

            if (stream.Documents.Count > 1)
            {
                Error(stream.Documents[1].RootNode, "a topology file holds one YAML document, found several");
            }

            if (stream.Documents[0].RootNode is not YamlMappingNode root)
            {
                Error(stream.Documents[0].RootNode, "the top level must be a mapping with 'version' and 'nodes' or 'generator'");
                return null;
            }

            CheckKeys(root, RootKeys, "the top level");
            var version = ReadVersion(root);
            var name = OptionalString(root, "name");
            _ = OptionalString(root, "description");
            var training = root.Children.TryGetValue(new YamlScalarNode("training"), out var trainingNode)
                ? ReadTraining(trainingNode)
                : null;

            var hasNodes = root.Children.TryGetValue(new YamlScalarNode("nodes"), out var nodesNode);
            var hasGenerator = root.Children.TryGetValue(new YamlScalarNode("generator"), out var generatorNode);
            if (hasNodes && hasGenerator)
            {
                Error(generatorNode!, "give either 'nodes:' (explicit trust) or 'generator:', not both");
                return null;
            }

            if (!hasNodes && !hasGenerator)
            {
                Error(root, "missing 'nodes:' (explicit trust lists) or 'generator:' (a generated graph)");
                return null;
            }

            if (hasNodes)
            {
                var (nodes, graph) = ReadExplicit(nodesNode!);
                return Problems.Count > 0 ? null
                    : new TopologyDocument(path, version, name, nodes, graph, null, training, Warnings);
            }

            var generated = ReadGenerator(generatorNode!);
            if (Problems.Count > 0 || generated is null)
            {
                return null;
            }

            var infos = generated.Names.Select(n => new NodeInfo(n)).ToArray();
            var document = new TopologyDocument(path, version, name, infos, null, generated, training, Warnings);
            try
            {
                // Generate now, so impossible draws (e.g. no connected small world) surface as file problems.
                _ = document.Graph;
            }
            catch (TopologyException ex)
            {
                Problems.AddRange(ex.Problems.Select(p => p with { Line = p.Line ?? Line(generatorNode!), Column = p.Column ?? Column(generatorNode!) }));
                return null;
            }

            return document;
        }

        private int ReadVersion(YamlMappingNode root)
        {
            if (!root.Children.TryGetValue(new YamlScalarNode("version"), out var node))
            {
                Error(root, $"missing 'version: {CurrentVersion}' (the schema version)");
                return CurrentVersion;
            }

            var version = Integer(node, "version", 0);
            if (version is { } v && v != CurrentVersion)
            {
                Error(node, $"unsupported schema version {v}; this gossipfl reads version {CurrentVersion}");
            }

            return CurrentVersion;
        }

        private (NodeInfo[] Nodes, TrustGraph? Graph) ReadExplicit(YamlNode nodesNode)
        {
            if (nodesNode is not YamlSequenceNode sequence)
            {
                Error(nodesNode, "'nodes' must be a list of nodes, each with a 'name' and a 'trusts' list");
                return ([], null);
            }

            if (sequence.Children.Count == 0)
            {
                Error(nodesNode, "'nodes' is empty; a topology needs at least one node");
                return ([], null);
            }

            var infos = new List<NodeInfo>();
            var firstSeen = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
            var trustLists = new List<(int Node, YamlSequenceNode? Trusts)>();
            foreach (var item in sequence.Children)
            {
                if (item is not YamlMappingNode entry)
                {
                    Error(item, "each node must be a mapping such as '{ name: alice, trusts: [bob] }'");
                    continue;
                }

                CheckKeys(entry, NodeKeys, "a node");
                if (!entry.Children.TryGetValue(new YamlScalarNode("name"), out var nameNode))
                {
                    Error(entry, "node without a 'name'");
                    continue;
                }

                var name = NodeName(nameNode);
                if (name is null)
                {
                    continue;
                }

                if (firstSeen.TryGetValue(name, out var previous))
                {
                    Error(nameNode, $"duplicate node '{name}' (first defined at line {Line(previous)})");
                    continue;
                }

                firstSeen.Add(name, nameNode);
                var address = OptionalString(entry, "address");
                if (address is not null && !IsAddress(address))
                {
                    Error(entry.Children[new YamlScalarNode("address")], $"address '{address}' of node '{name}' is not host:port (port 1-65535; IPv6 as [::1]:7000)");
                }

                var fingerprint = OptionalString(entry, "fingerprint");
                if (fingerprint is not null && !FingerprintPattern().IsMatch(fingerprint))
                {
                    Error(entry.Children[new YamlScalarNode("fingerprint")], $"fingerprint of node '{name}' must be 'sha256:' followed by 64 hex digits");
                }

                YamlSequenceNode? trusts = null;
                if (entry.Children.TryGetValue(new YamlScalarNode("trusts"), out var trustsNode))
                {
                    trusts = trustsNode as YamlSequenceNode;
                    if (trusts is null && !IsEmpty(trustsNode))
                    {
                        Error(trustsNode, $"'trusts' of node '{name}' must be a list of node names, e.g. [bob, carol]");
                    }
                }

                trustLists.Add((infos.Count, trusts));
                infos.Add(new NodeInfo(name, address, fingerprint?.ToLowerInvariant()));
            }

            if (infos.Count == 0)
            {
                return ([], null);
            }

            var builder = new TrustGraphBuilder(infos.Select(i => i.Name).ToArray());
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < infos.Count; i++)
            {
                index.Add(infos[i].Name, i);
            }

            foreach (var (node, trusts) in trustLists)
            {
                if (trusts is null)
                {
                    continue;
                }

                var listed = new HashSet<string>(StringComparer.Ordinal);
                foreach (var trustedNode in trusts.Children)
                {
                    if (trustedNode is not YamlScalarNode scalar || scalar.Value is null)
                    {
                        Error(trustedNode, $"entries of 'trusts' of node '{infos[node].Name}' must be node names");
                        continue;
                    }

                    var trusted = scalar.Value;
                    if (!index.TryGetValue(trusted, out var target))
                    {
                        Error(scalar, $"node '{infos[node].Name}' trusts unknown node '{trusted}'{Suggest(trusted, index.Keys)}");
                        continue;
                    }

                    if (!listed.Add(trusted))
                    {
                        Warn(scalar, $"node '{infos[node].Name}' lists '{trusted}' more than once");
                        continue;
                    }

                    if (target == node)
                    {
                        Warn(scalar, $"node '{trusted}' lists itself; every node always keeps a share of its own model, so this entry changes nothing");
                        continue;
                    }

                    builder.AddTrust(node, target);
                }
            }

            return ([.. infos], builder.Build());
        }

        private GeneratedTopology? ReadGenerator(YamlNode generatorNode)
        {
            if (generatorNode is not YamlMappingNode mapping)
            {
                Error(generatorNode, "'generator' must be a mapping with 'name', 'nodes' and (for random generators) 'seed'");
                return null;
            }

            CheckKeys(mapping, GeneratorKeys, "'generator'");
            GraphGenerator? generator = null;
            if (!mapping.Children.TryGetValue(new YamlScalarNode("name"), out var nameNode))
            {
                Error(mapping, $"'generator' needs a 'name'; known generators: {string.Join(", ", GraphGenerators.Names)}");
            }
            else if (Scalar(nameNode, "generator name") is { } generatorName && !GraphGenerators.TryGet(generatorName, out generator))
            {
                Error(nameNode, $"unknown generator '{generatorName}'{Suggest(generatorName, GraphGenerators.Names)}; known generators: {string.Join(", ", GraphGenerators.Names)}");
            }

            int? nodeCount = null;
            if (!mapping.Children.TryGetValue(new YamlScalarNode("nodes"), out var countNode))
            {
                Error(mapping, "'generator' needs 'nodes', the number of nodes");
            }
            else if (Integer(countNode, "nodes", 1) is { } count)
            {
                if (count > MaxGeneratedNodes)
                {
                    Error(countNode, $"'nodes' is {count}; at most {MaxGeneratedNodes} nodes can be generated");
                }
                else
                {
                    nodeCount = (int)count;
                }
            }

            ulong? seed = null;
            if (mapping.Children.TryGetValue(new YamlScalarNode("seed"), out var seedNode))
            {
                seed = Seed(seedNode);
            }

            var timeVarying = mapping.Children.TryGetValue(new YamlScalarNode("time_varying"), out var tvNode) && Boolean(tvNode, "time_varying") == true;

            var given = new Dictionary<string, double>(StringComparer.Ordinal);
            if (mapping.Children.TryGetValue(new YamlScalarNode("parameters"), out var parametersNode) && generator is not null)
            {
                ReadParameters(generator, parametersNode, given);
            }

            string[]? names = null;
            if (mapping.Children.TryGetValue(new YamlScalarNode("names"), out var namesNode))
            {
                names = ReadNames(namesNode, nodeCount);
            }

            if (generator is null || nodeCount is null)
            {
                return null;
            }

            if (generator.IsRandom && seed is null && seedNode is null)
            {
                Error(mapping, $"generator '{generator.Name}' is random and needs a 'seed' so every peer draws the same graph");
            }

            if (timeVarying && !generator.IsRandom)
            {
                Error(tvNode!, $"generator '{generator.Name}' draws no random numbers, so time_varying would give the same graph every round");
            }

            var arguments = new GeneratorArguments(generator, given);
            foreach (var problem in generator.Validate(nodeCount.Value, arguments))
            {
                Error(parametersNode ?? mapping, $"generator '{generator.Name}': {problem}");
            }

            return Problems.Count > 0 ? null
                : new GeneratedTopology(arguments, nodeCount.Value, seed ?? 0, timeVarying, names);
        }

        private void ReadParameters(GraphGenerator generator, YamlNode parametersNode, Dictionary<string, double> given)
        {
            if (parametersNode is not YamlMappingNode parameters)
            {
                if (!IsEmpty(parametersNode))
                {
                    Error(parametersNode, "'parameters' must be a mapping such as '{ k: 4, p: 0.1 }'");
                }

                return;
            }

            var valid = generator.Parameters.Count == 0
                ? "it takes none"
                : "valid parameters: " + string.Join(", ", generator.Parameters.Select(p => p.Name));
            foreach (var (keyNode, valueNode) in parameters.Children)
            {
                var key = (keyNode as YamlScalarNode)?.Value ?? "";
                var parameter = generator.Parameters.FirstOrDefault(p => p.Name == key);
                if (parameter is null)
                {
                    Error(keyNode, $"generator '{generator.Name}' has no parameter '{key}'; {valid}");
                    continue;
                }

                if (Scalar(valueNode, $"parameter '{key}'") is not { } text)
                {
                    continue;
                }

                var problem = parameter.TryParse(text, out var value);
                if (problem is not null)
                {
                    Error(valueNode, problem);
                    continue;
                }

                given[key] = value;
            }
        }

        private string[]? ReadNames(YamlNode namesNode, int? nodeCount)
        {
            if (namesNode is not YamlSequenceNode sequence)
            {
                Error(namesNode, "'names' must be a list of node names");
                return null;
            }

            var names = new List<string>();
            var seen = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
            foreach (var item in sequence.Children)
            {
                if (NodeName(item) is not { } name)
                {
                    continue;
                }

                if (seen.TryGetValue(name, out var previous))
                {
                    Error(item, $"duplicate node '{name}' (first named at line {Line(previous)})");
                    continue;
                }

                seen.Add(name, item);
                names.Add(name);
            }

            if (nodeCount is { } n && sequence.Children.Count != n)
            {
                Error(namesNode, $"'names' lists {sequence.Children.Count} names but 'nodes' is {n}");
                return null;
            }

            return [.. names];
        }

        private TrainingDefaults? ReadTraining(YamlNode node)
        {
            if (node is not YamlMappingNode mapping)
            {
                Error(node, "'training' must be a mapping (algorithm, task, model, dataset, partition, rounds, local_steps, batch_size, learning_rate, seed, local_epochs, client_fraction, quorum, mode, staleness, aggregation, compress, consensus_step, secure_aggregation)");
                return null;
            }

            CheckKeys(mapping, TrainingKeys, "'training'");
            var algorithm = OptionalString(mapping, "algorithm");
            if (algorithm is not null && !TrainingDefaults.KnownAlgorithms.Contains(algorithm))
            {
                Error(mapping.Children[new YamlScalarNode("algorithm")], $"unknown algorithm '{algorithm}'; known algorithms: {string.Join(", ", TrainingDefaults.KnownAlgorithms)}");
            }

            var mode = OptionalString(mapping, "mode");
            if (mode is not null && !TrainingDefaults.KnownModes.Contains(mode))
            {
                Error(mapping.Children[new YamlScalarNode("mode")], $"unknown mode '{mode}'; known modes: {string.Join(", ", TrainingDefaults.KnownModes)}");
            }

            double? learningRate = null;
            if (mapping.Children.TryGetValue(new YamlScalarNode("learning_rate"), out var lrNode) && Scalar(lrNode, "learning_rate") is { } lrText)
            {
                if (double.TryParse(lrText, NumberStyles.Float, CultureInfo.InvariantCulture, out var lr) && double.IsFinite(lr) && lr > 0)
                {
                    learningRate = lr;
                }
                else
                {
                    Error(lrNode, $"'learning_rate' must be a positive number, not '{lrText}'");
                }
            }

            double? clientFraction = null;
            if (mapping.Children.TryGetValue(new YamlScalarNode("client_fraction"), out var fractionNode) && Scalar(fractionNode, "client_fraction") is { } fractionText)
            {
                if (double.TryParse(fractionText, NumberStyles.Float, CultureInfo.InvariantCulture, out var fraction) && fraction > 0 && fraction <= 1)
                {
                    clientFraction = fraction;
                }
                else
                {
                    Error(fractionNode, $"'client_fraction' must be a number in (0, 1], not '{fractionText}'");
                }
            }

            var compress = OptionalString(mapping, "compress");
            if (compress is not null && !TrainingDefaults.IsCodecName(compress))
            {
                Error(mapping.Children[new YamlScalarNode("compress")], $"unknown codec '{compress}'; expected none, fp16, int8, sign or topk:FRACTION with FRACTION in (0, 1]");
            }

            var aggregation = OptionalString(mapping, "aggregation");
            if (aggregation is not null && !TrainingDefaults.IsAggregationName(aggregation))
            {
                Error(mapping.Children[new YamlScalarNode("aggregation")],
                    $"unknown aggregation '{aggregation}'; expected {string.Join(", ", TrainingDefaults.KnownAggregations)} (F a whole number >= 1, C and TAU radii > 0)");
            }

            double? consensusStep = null;
            if (mapping.Children.TryGetValue(new YamlScalarNode("consensus_step"), out var stepNode) && Scalar(stepNode, "consensus_step") is { } stepText)
            {
                if (double.TryParse(stepText, NumberStyles.Float, CultureInfo.InvariantCulture, out var step) && step > 0 && step <= 1)
                {
                    consensusStep = step;
                }
                else
                {
                    Error(stepNode, $"'consensus_step' must be a number in (0, 1], not '{stepText}'");
                }
            }

            // start and simulate refuse this pair; the file is refused too, at the codec's line, so that `topology check`
            // passing means the section can run.
            if (algorithm is "dol" or "centralized" && compress is not null && TrainingDefaults.IsCodecName(compress)
                && !compress.Trim().Equals("none", StringComparison.OrdinalIgnoreCase))
            {
                Error(mapping.Children[new YamlScalarNode("compress")],
                    $"'compress: {compress}' does not go with 'algorithm: {algorithm}': compressed gossip runs with ops (compressed push-sum) or dsgd (CHOCO-SGD), and fedavg compresses its clients' updates; {algorithm} has no compressed form");
            }

            return new TrainingDefaults
            {
                Algorithm = algorithm,
                Compress = compress,
                ConsensusStep = consensusStep,
                Task = mapping.Children.TryGetValue(new YamlScalarNode("task"), out var taskNode) ? ReadTask(taskNode) : null,
                Model = OptionalString(mapping, "model"),
                Dataset = OptionalString(mapping, "dataset"),
                Partition = OptionalString(mapping, "partition"),
                Rounds = OptionalInteger(mapping, "rounds", 1),
                LocalSteps = OptionalInteger(mapping, "local_steps", 1),
                BatchSize = OptionalInteger(mapping, "batch_size", 1),
                LearningRate = learningRate,
                Seed = mapping.Children.TryGetValue(new YamlScalarNode("seed"), out var seedNode) ? Seed(seedNode) : null,
                LocalEpochs = OptionalInteger(mapping, "local_epochs", 1),
                ClientFraction = clientFraction,
                Quorum = OptionalString(mapping, "quorum"),
                Mode = mode,
                Staleness = OptionalInteger(mapping, "staleness", 0),
                Aggregation = aggregation,
                SecureAggregation = mapping.Children.TryGetValue(new YamlScalarNode("secure_aggregation"), out var secureNode) ? Boolean(secureNode, "secure_aggregation") : null,
                DpClip = OptionalString(mapping, "dp_clip"),
                DpNoise = OptionalNumber(mapping, "dp_noise"),
                DpEpsilonTarget = OptionalNumber(mapping, "dp_epsilon_target"),
                DpSampleClip = OptionalNumber(mapping, "dp_sample_clip"),
                DpSampleNoise = OptionalNumber(mapping, "dp_sample_noise"),
                DpDelta = OptionalNumber(mapping, "dp_delta"),
                DpEpsilonBudget = OptionalNumber(mapping, "dp_epsilon_budget"),
            };
        }

        /// <summary>A number under <paramref name="key"/>, or null when absent; its range is the learning side's to check.</summary>
        private double? OptionalNumber(YamlMappingNode mapping, string key)
        {
            if (!mapping.Children.TryGetValue(new YamlScalarNode(key), out var node) || Scalar(node, key) is not { } text)
            {
                return null;
            }

            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
            {
                return value;
            }

            Error(node, $"'{key}' must be a number, not '{text}'");
            return null;
        }

        /// <summary>The task contract (docs/topology.md §2.4.1); null, with the problems recorded, when it is not valid.</summary>
        private TaskDeclaration? ReadTask(YamlNode node)
        {
            if (node is not YamlMappingNode mapping)
            {
                Error(node, "'task' must be a mapping (input, classes, and optionally range, normalize, resize)");
                return null;
            }

            CheckKeys(mapping, TaskKeys, "'task'");
            var problems = Problems.Count;
            int[]? input = null;
            if (!mapping.Children.TryGetValue(new YamlScalarNode("input"), out var inputNode))
            {
                Error(mapping, "'task' needs 'input': a feature count (e.g. 18) or a shape (e.g. [1, 28, 28])");
            }
            else
            {
                input = inputNode is YamlSequenceNode dims
                    ? dims.Children.Select(d => Integer(d, "input", 1)).Select(d => d is { } v ? (int)v : 0).ToArray()
                    : Integer(inputNode, "input", 1) is { } count ? [(int)count] : null;
                if (input is not null && (input.Length is 0 or > 3 || input.Contains(0)))
                {
                    Error(inputNode, "'input' must be a feature count or a shape of 1 to 3 positive sizes, e.g. [1, 28, 28]");
                    input = null;
                }
            }

            string[]? classes = null;
            if (!mapping.Children.TryGetValue(new YamlScalarNode("classes"), out var classesNode))
            {
                Error(mapping, "'task' needs 'classes': a count (e.g. 10, for ids 0..9) or a list of names");
            }
            else if (classesNode is YamlSequenceNode names)
            {
                classes = names.Children.Select(n => Scalar(n, "a class name") ?? "").ToArray();
                var duplicate = classes.GroupBy(c => c, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1 && g.Key.Length > 0);
                if (classes.Length < 2 || duplicate is not null)
                {
                    Error(classesNode, duplicate is null ? "'classes' must list at least 2 names" : $"class '{duplicate.Key}' is listed twice in 'classes'");
                    classes = null;
                }
            }
            else if (Integer(classesNode, "classes", 2) is { } count)
            {
                if (count > TopologyFileReader.MaxClassCount)
                {
                    Error(classesNode, $"'classes' is too large (got {count}, at most {TopologyFileReader.MaxClassCount})");
                }
                else
                {
                    classes = Enumerable.Range(0, (int)count).Select(c => c.ToString(CultureInfo.InvariantCulture)).ToArray();
                }
            }

            (double, double)? range = null;
            if (mapping.Children.TryGetValue(new YamlScalarNode("range"), out var rangeNode))
            {
                var bounds = Numbers(rangeNode, "range");
                if (bounds is { Length: 2 } && bounds[0] < bounds[1])
                {
                    range = (bounds[0], bounds[1]);
                }
                else if (bounds is not null)
                {
                    Error(rangeNode, "'range' must be [low, high] with low < high, e.g. [0, 255]");
                }
            }

            double[]? mean = null, std = null;
            if (mapping.Children.TryGetValue(new YamlScalarNode("normalize"), out var normalizeNode))
            {
                if (normalizeNode is not YamlMappingNode normalize
                    || !normalize.Children.TryGetValue(new YamlScalarNode("mean"), out var meanNode)
                    || !normalize.Children.TryGetValue(new YamlScalarNode("std"), out var stdNode))
                {
                    Error(normalizeNode, "'normalize' must be a mapping with 'mean' and 'std', each a number or one number per channel");
                }
                else
                {
                    CheckKeys(normalize, NormalizeKeys, "'normalize'");
                    mean = Numbers(meanNode, "mean");
                    std = Numbers(stdNode, "std");
                    if (std is not null && std.Any(v => !(v > 0)))
                    {
                        Error(stdNode, "'std' values must be positive");
                    }

                    var channels = input?[0];
                    if (mean is not null && std is not null
                        && (mean.Length != std.Length || (mean.Length != 1 && mean.Length != channels)))
                    {
                        Error(normalizeNode, $"'mean' and 'std' need one value each, or one per channel (the first size of 'input', {channels?.ToString(CultureInfo.InvariantCulture) ?? "?"}); got {mean.Length} and {std.Length}");
                    }
                }
            }

            var resize = mapping.Children.TryGetValue(new YamlScalarNode("resize"), out var resizeNode) ? Boolean(resizeNode, "resize") ?? false : false;
            if (Problems.Count > problems || input is null || classes is null)
            {
                return null;
            }

            return new TaskDeclaration(input, classes, range, mean, std, resize);
        }

        /// <summary>A number or a list of numbers, all finite; null (with the problem recorded) otherwise.</summary>
        private double[]? Numbers(YamlNode node, string key)
        {
            var items = node is YamlSequenceNode sequence ? sequence.Children.ToArray() : [node];
            var values = new double[items.Length];
            for (var i = 0; i < items.Length; i++)
            {
                if (Scalar(items[i], $"'{key}'") is not { } text)
                {
                    return null;
                }

                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !double.IsFinite(values[i]))
                {
                    Error(items[i], $"'{key}' must hold finite numbers, not '{text}'");
                    return null;
                }
            }

            if (values.Length == 0)
            {
                Error(node, $"'{key}' must hold at least one number");
                return null;
            }

            return values;
        }

        private void CheckKeys(YamlMappingNode mapping, string[] allowed, string where)
        {
            foreach (var keyNode in mapping.Children.Keys)
            {
                if (keyNode is not YamlScalarNode { Value: { } key })
                {
                    Error(keyNode, $"keys of {where} must be plain names");
                    continue;
                }

                if (!allowed.Contains(key, StringComparer.Ordinal))
                {
                    Error(keyNode, $"unknown key '{key}' in {where}{Suggest(key, allowed)}; allowed keys: {string.Join(", ", allowed)}");
                }
            }
        }

        private string? NodeName(YamlNode node)
        {
            if (Scalar(node, "a node name") is not { } name)
            {
                return null;
            }

            if (!NodeNamePattern().IsMatch(name))
            {
                Error(node, $"node name '{name}' is not valid: use 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit");
                return null;
            }

            return name;
        }

        private string? OptionalString(YamlMappingNode mapping, string key) =>
            mapping.Children.TryGetValue(new YamlScalarNode(key), out var node) ? Scalar(node, $"'{key}'") : null;

        private int? OptionalInteger(YamlMappingNode mapping, string key, long minimum) =>
            mapping.Children.TryGetValue(new YamlScalarNode(key), out var node) ? (int?)Integer(node, key, minimum) : null;

        private string? Scalar(YamlNode node, string what)
        {
            if (node is YamlScalarNode { Value: { Length: > 0 } value })
            {
                return value;
            }

            Error(node, $"{what} must be a single value");
            return null;
        }

        private long? Integer(YamlNode node, string key, long minimum)
        {
            if (Scalar(node, $"'{key}'") is not { } text)
            {
                return null;
            }

            if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            {
                Error(node, $"'{key}' must be a whole number, not '{text}'");
                return null;
            }

            if (value < minimum)
            {
                Error(node, value < 0 ? $"'{key}' must not be negative (got {value})" : $"'{key}' must be at least {minimum} (got {value})");
                return null;
            }

            if (value > int.MaxValue)
            {
                Error(node, $"'{key}' is too large (got {value})");
                return null;
            }

            return value;
        }

        private bool? Boolean(YamlNode node, string key)
        {
            if (Scalar(node, $"'{key}'") is not { } text)
            {
                return null;
            }

            if (bool.TryParse(text, out var value))
            {
                return value;
            }

            Error(node, $"'{key}' must be true or false, not '{text}'");
            return null;
        }

        private ulong? Seed(YamlNode node)
        {
            if (Scalar(node, "'seed'") is not { } text)
            {
                return null;
            }

            if (ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seed))
            {
                return seed;
            }

            Error(node, $"'seed' must be a whole number from 0 to {ulong.MaxValue}, not '{text}'");
            return null;
        }

        private void Error(YamlNode node, string message) => Problems.Add(new TopologyProblem(message, Line(node), Column(node)));

        private void Warn(YamlNode node, string message) => Warnings.Add(new TopologyProblem(message, Line(node), Column(node)));

        private static int Line(YamlNode node) => (int)node.Start.Line;

        private static int Column(YamlNode node) => (int)node.Start.Column;

        private static bool IsEmpty(YamlNode node) =>
            node is YamlScalarNode scalar && string.IsNullOrEmpty(scalar.Value) && scalar.Style == YamlDotNet.Core.ScalarStyle.Plain;

        private static bool IsAddress(string address)
        {
            var colon = address.LastIndexOf(':');
            if (colon <= 0 || !ushort.TryParse(address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port == 0)
            {
                return false;
            }

            var host = address[..colon];
            if (host.StartsWith('['))
            {
                return host.EndsWith(']') && System.Net.IPAddress.TryParse(host[1..^1], out var v6)
                    && v6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
            }

            // A bare host name or IPv4 address; a stray colon means an unbracketed IPv6 address.
            return !host.Contains(':', StringComparison.Ordinal) && Uri.CheckHostName(host) != UriHostNameType.Unknown;
        }

        /// <summary>Line and column of the first tab in a line's indentation (YAML indents with spaces only).</summary>
        private static (int Line, int Column)? FirstIndentingTab(string text)
        {
            var lines = text.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                var indent = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
                var tab = lines[i].IndexOf('\t', 0, indent);
                if (tab >= 0)
                {
                    return (i + 1, tab + 1);
                }
            }

            return null;
        }

        /// <summary>YamlDotNet prefixes its own "(Line: .., Col: ..)" positions; ours come separately.</summary>
        private static string CleanYamlMessage(YamlException ex)
        {
            var message = ex.Message;
            var close = message.IndexOf("): ", StringComparison.Ordinal);
            return message.StartsWith("(Line:", StringComparison.Ordinal) && close > 0 ? message[(close + 3)..] : message;
        }

        /// <summary>"; did you mean 'x'?" for a close candidate (edit distance at most 2), else nothing.</summary>
        private static string Suggest(string given, IEnumerable<string> candidates)
        {
            var best = candidates
                .Select(c => (Candidate: c, Distance: EditDistance(given, c)))
                .Where(c => c.Distance <= 2 && c.Distance < given.Length)
                .OrderBy(c => c.Distance).ThenBy(c => c.Candidate, StringComparer.Ordinal)
                .FirstOrDefault();
            return best.Candidate is null ? "" : $" (did you mean '{best.Candidate}'?)";
        }

        private static int EditDistance(string a, string b)
        {
            var previous = new int[b.Length + 1];
            var current = new int[b.Length + 1];
            for (var j = 0; j <= b.Length; j++)
            {
                previous[j] = j;
            }

            for (var i = 1; i <= a.Length; i++)
            {
                current[0] = i;
                for (var j = 1; j <= b.Length; j++)
                {
                    var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                    current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
                }

                (previous, current) = (current, previous);
            }

            return previous[b.Length];
        }
    }
}

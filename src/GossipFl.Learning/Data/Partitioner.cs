using System.Globalization;

namespace GossipFl.Learning.Data;

/// <summary>
/// Splits a dataset among federated clients. Every scheme is a pure function of (labels, arguments, seed): the
/// only randomness is a <see cref="Xoshiro256StarStar"/> seeded with the seed, consumed in a documented order,
/// so every peer computes the same partition. Exact definitions are in docs/datasets.md.
/// </summary>
public static class Partitioner
{
    /// <summary>Default minimum samples per client for <see cref="Dirichlet"/> (the value FedML's LDA split uses).</summary>
    public const int DefaultDirichletMinSamples = 10;

    /// <summary>Default number of Dirichlet draws before giving up on the minimum.</summary>
    public const int DefaultDirichletMaxAttempts = 100;

    /// <summary>
    /// IID: shuffle all indices, then cut into contiguous blocks; the first N mod n clients get one extra sample.
    /// </summary>
    public static Partition Iid(Dataset data, int clientCount, ulong seed)
    {
        ValidateClients(data, clientCount);
        var random = new Xoshiro256StarStar(seed);
        var order = Enumerable.Range(0, data.Count).ToArray();
        random.Shuffle(order.AsSpan());
        var clients = new int[clientCount][];
        var start = 0;
        for (var c = 0; c < clientCount; c++)
        {
            var size = (data.Count / clientCount) + (c < data.Count % clientCount ? 1 : 0);
            clients[c] = order[start..(start + size)];
            start += size;
        }

        return new Partition("iid", data, clients);
    }

    /// <summary>
    /// Label skew after Hsu, Qi and Brown (2019): for each class in turn, shuffle its samples, draw client shares
    /// p ~ Dirichlet(α, ..., α) and give client j the samples between floor(N_k (p_1 + ... + p_{j-1})) and
    /// floor(N_k (p_1 + ... + p_j)). Small α concentrates each class on few clients; large α approaches IID.
    /// If some client ends with fewer than <paramref name="minSamplesPerClient"/> samples the whole draw is repeated,
    /// continuing the same random stream, at most <paramref name="maxAttempts"/> times.
    /// </summary>
    public static Partition Dirichlet(
        Dataset data,
        int clientCount,
        double alpha,
        ulong seed,
        int minSamplesPerClient = DefaultDirichletMinSamples,
        int maxAttempts = DefaultDirichletMaxAttempts)
    {
        ValidateClients(data, clientCount);
        if (!(alpha > 0) || double.IsInfinity(alpha))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "The Dirichlet concentration α must be a positive finite number (e.g. 0.5).");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(minSamplesPerClient);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxAttempts);
        var spec = DirichletSpec(alpha, minSamplesPerClient);
        if ((long)minSamplesPerClient * clientCount > data.Count)
        {
            throw new DataSpecException(
                spec,
                $"{clientCount} clients with at least {minSamplesPerClient} samples each need {(long)minSamplesPerClient * clientCount} samples; dataset '{data.Name}' has {data.Count}. Use fewer clients or a lower minimum (dirichlet:{Format(alpha)}:MIN).");
        }

        var byClass = IndicesByClass(data);
        var random = new Xoshiro256StarStar(seed);
        var logWeights = new double[clientCount];
        var smallest = 0;
        for (var attempt = 0; attempt < maxAttempts; attempt++)
        {
            var clients = Enumerable.Range(0, clientCount).Select(_ => new List<int>()).ToArray();
            foreach (var classIndices in byClass)
            {
                var shuffled = classIndices.ToArray();
                random.Shuffle(shuffled.AsSpan());

                // Draw all client weights even for an empty class, so the stream does not depend on class sizes.
                var max = double.NegativeInfinity;
                for (var j = 0; j < clientCount; j++)
                {
                    logWeights[j] = random.NextLogGamma(alpha);
                    max = Math.Max(max, logWeights[j]);
                }

                // Normalise in log space: for small α the Gamma draws themselves underflow to zero.
                double total = 0;
                for (var j = 0; j < clientCount; j++)
                {
                    logWeights[j] = PortableMath.Exp(logWeights[j] - max);
                    total += logWeights[j];
                }

                double cumulative = 0;
                var from = 0;
                for (var j = 0; j < clientCount; j++)
                {
                    cumulative += logWeights[j];
                    var to = j == clientCount - 1
                        ? shuffled.Length
                        : Math.Min(shuffled.Length, (int)Math.Floor(cumulative / total * shuffled.Length));
                    to = Math.Max(from, to);
                    clients[j].AddRange(shuffled.AsSpan(from, to - from));
                    from = to;
                }
            }

            smallest = clients.Min(c => c.Count);
            if (smallest >= minSamplesPerClient)
            {
                return new Partition(spec, data, clients.Select(c => c.ToArray()).ToArray());
            }
        }

        throw new DataSpecException(
            spec,
            $"no draw in {maxAttempts} attempts gave each of {clientCount} clients at least {minSamplesPerClient} samples (the last gave a client {smallest}). Raise α, use fewer clients, or lower the minimum (dirichlet:{Format(alpha)}:MIN).");
    }

    /// <summary>
    /// Pathological non-IID after McMahan et al. (2017), with single-class shards so that no client sees more than
    /// k classes: the n·k shards are shared among classes in proportion to class size (one per class first, then
    /// Sainte-Laguë; see <see cref="ApportionShards"/>), each class's
    /// shuffled samples are cut into its shards (sizes differ by at most one), the shards are shuffled and dealt
    /// k to a client, then shards are swapped between clients to remove repeated classes where possible.
    /// A client ends with fewer than k distinct classes only when no swap can fix it (e.g. one class owns more
    /// shards than there are clients). Samples of a class that gets no shard (when n·k is below the number of
    /// classes present) are left in <see cref="Partition.Unassigned"/>; otherwise every sample is assigned.
    /// </summary>
    public static Partition Shards(Dataset data, int clientCount, int classesPerClient, ulong seed)
    {
        ValidateClients(data, clientCount);
        if (classesPerClient < 1 || classesPerClient > data.ClassCount)
        {
            throw new ArgumentOutOfRangeException(
                nameof(classesPerClient), classesPerClient, $"Classes per client must be in [1, {data.ClassCount}] for dataset '{data.Name}'.");
        }

        var shardCount = (long)clientCount * classesPerClient;
        var spec = $"shards:{classesPerClient}";
        if (shardCount > data.Count)
        {
            throw new DataSpecException(
                spec,
                $"{clientCount} clients x {classesPerClient} shards need {shardCount} non-empty shards; dataset '{data.Name}' has only {data.Count} samples.");
        }

        var byClass = IndicesByClass(data);
        var shardsPerClass = ApportionShards(byClass.Select(c => c.Length).ToArray(), (int)shardCount);

        var random = new Xoshiro256StarStar(seed);
        var shards = new List<int[]>((int)shardCount);
        var shardClass = new List<int>((int)shardCount);
        var unassigned = new List<int>();
        for (var k = 0; k < byClass.Length; k++)
        {
            var shuffled = byClass[k].ToArray();
            random.Shuffle(shuffled.AsSpan());
            if (shardsPerClass[k] == 0)
            {
                unassigned.AddRange(shuffled);
                continue;
            }

            var from = 0;
            for (var s = 0; s < shardsPerClass[k]; s++)
            {
                var size = (shuffled.Length / shardsPerClass[k]) + (s < shuffled.Length % shardsPerClass[k] ? 1 : 0);
                shards.Add(shuffled[from..(from + size)]);
                shardClass.Add(k);
                from += size;
            }
        }

        var deal = Enumerable.Range(0, shards.Count).ToArray();
        random.Shuffle(deal.AsSpan());
        RemoveRepeatedClasses(deal, shardClass, clientCount, classesPerClient, data.ClassCount);

        var clients = new int[clientCount][];
        for (var c = 0; c < clientCount; c++)
        {
            clients[c] = deal.AsSpan(c * classesPerClient, classesPerClient).ToArray().SelectMany(s => shards[s]).ToArray();
        }

        return new Partition(spec, data, clients, unassigned);
    }

    /// <summary>
    /// Shares shards among classes: if there are at least as many shards as non-empty classes, each non-empty class
    /// first gets one (so no class is dropped); the remaining shards go one at a time by Sainte-Laguë, to the
    /// class with the largest size / (2 s + 1), where s is the shards it has so far; ties go to the lower class id;
    /// a class never gets more shards than samples.
    /// </summary>
    internal static int[] ApportionShards(int[] classSizes, int shardCount)
    {
        var shards = new int[classSizes.Length];
        var given = 0;
        if (shardCount >= classSizes.Count(n => n > 0))
        {
            for (var k = 0; k < classSizes.Length; k++)
            {
                shards[k] = classSizes[k] > 0 ? 1 : 0;
                given += shards[k];
            }
        }

        for (; given < shardCount; given++)
        {
            var best = -1;
            var bestQuotient = -1.0;
            for (var k = 0; k < classSizes.Length; k++)
            {
                if (shards[k] >= classSizes[k])
                {
                    continue;
                }

                var quotient = classSizes[k] / ((2.0 * shards[k]) + 1.0);
                if (quotient > bestQuotient)
                {
                    best = k;
                    bestQuotient = quotient;
                }
            }

            shards[best]++;
        }

        return shards;
    }

    /// <summary>
    /// Visits clients in order; for each shard whose class the client already holds, swaps it with the first shard
    /// (scanning clients after this one, wrapping) whose class this client lacks and whose owner lacks the first
    /// shard's class. Each swap removes one repeat and adds none, so the loop ends. Per-client class counts keep
    /// each membership test O(1), so the whole pass is O(repeats x n x k).
    /// </summary>
    private static void RemoveRepeatedClasses(int[] deal, List<int> shardClass, int clientCount, int k, int classCount)
    {
        var counts = new int[clientCount * classCount];
        for (var slot = 0; slot < deal.Length; slot++)
        {
            counts[((slot / k) * classCount) + shardClass[deal[slot]]]++;
        }

        for (var c = 0; c < clientCount; c++)
        {
            for (var a = c * k; a < (c + 1) * k; a++)
            {
                var classA = shardClass[deal[a]];
                if (counts[(c * classCount) + classA] < 2)
                {
                    continue;
                }

                for (var step = 1; step < clientCount; step++)
                {
                    var other = (c + step) % clientCount;
                    if (counts[(other * classCount) + classA] > 0)
                    {
                        continue;
                    }

                    var b = other * k;
                    while (b < (other + 1) * k && counts[(c * classCount) + shardClass[deal[b]]] > 0)
                    {
                        b++;
                    }

                    if (b < (other + 1) * k)
                    {
                        var classB = shardClass[deal[b]];
                        (deal[a], deal[b]) = (deal[b], deal[a]);
                        counts[(c * classCount) + classA]--;
                        counts[(c * classCount) + classB]++;
                        counts[(other * classCount) + classB]--;
                        counts[(other * classCount) + classA]++;
                        break;
                    }
                }
            }
        }
    }

    private static int[][] IndicesByClass(Dataset data)
    {
        var lists = Enumerable.Range(0, data.ClassCount).Select(_ => new List<int>()).ToArray();
        for (var i = 0; i < data.Count; i++)
        {
            lists[data.Labels[i]].Add(i);
        }

        return lists.Select(l => l.ToArray()).ToArray();
    }

    private static void ValidateClients(Dataset data, int clientCount)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (clientCount < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(clientCount), clientCount, "There must be at least one client.");
        }

        if (clientCount > data.Count)
        {
            throw new ArgumentOutOfRangeException(
                nameof(clientCount), clientCount, $"{clientCount} clients cannot each get a sample of dataset '{data.Name}', which has {data.Count}.");
        }
    }

    internal static string DirichletSpec(double alpha, int minSamples) =>
        minSamples == DefaultDirichletMinSamples ? $"dirichlet:{Format(alpha)}" : $"dirichlet:{Format(alpha)}:{minSamples}";

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}

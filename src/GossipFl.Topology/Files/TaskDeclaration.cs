using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace GossipFl.Topology.Files;

/// <summary>
/// The task every peer of a federation must agree on, declared once in the topology's <c>training: task:</c>
/// section (docs/topology.md §2.4.1): the shape of one input, the class list, and how a file's raw values become
/// the model's inputs. A node validates its own data against it before training, and peers exchange a signature
/// of it (with the model) so a peer training something else is refused rather than averaged in.
/// </summary>
/// <remarks>
/// Raw values become inputs in two steps, both optional: <see cref="Range"/> maps [low, high] linearly onto [0, 1]
/// (and refuses values outside it), as torchvision's <c>ToTensor</c> does for 0..255 pixels; then
/// <see cref="Mean"/>/<see cref="Std"/> standardise, one value for all inputs or one per channel (the first
/// dimension of <see cref="InputShape"/>; for a table row of k features, one per feature).
/// </remarks>
public sealed class TaskDeclaration
{
    public TaskDeclaration(
        IReadOnlyList<int> inputShape,
        IReadOnlyList<string> classes,
        (double Low, double High)? range = null,
        IReadOnlyList<double>? mean = null,
        IReadOnlyList<double>? std = null,
        bool resize = false)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        ArgumentNullException.ThrowIfNull(classes);
        if (inputShape.Count is 0 or > 3 || inputShape.Any(d => d <= 0))
        {
            throw new ArgumentException($"an input shape has 1 to 3 positive dimensions, got [{string.Join(", ", inputShape)}]", nameof(inputShape));
        }

        if (classes.Count < 2 || classes.Distinct(StringComparer.Ordinal).Count() != classes.Count || classes.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException($"a task needs at least 2 distinct, non-empty class names, got [{string.Join(", ", classes)}]", nameof(classes));
        }

        if (range is { } r && !(double.IsFinite(r.Low) && double.IsFinite(r.High) && r.Low < r.High))
        {
            throw new ArgumentException($"a value range needs finite low < high, got [{r.Low}, {r.High}]", nameof(range));
        }

        if ((mean is null) != (std is null))
        {
            throw new ArgumentException("normalisation needs both a mean and a std", nameof(mean));
        }

        if (mean is not null && std is not null)
        {
            var channels = inputShape[0];
            if (mean.Count != std.Count || (mean.Count != 1 && mean.Count != channels))
            {
                throw new ArgumentException(
                    $"mean and std need 1 value each or one per channel ({channels}); got {mean.Count} and {std.Count}", nameof(mean));
            }

            if (mean.Any(m => !double.IsFinite(m)) || std.Any(s => !(double.IsFinite(s) && s > 0)))
            {
                throw new ArgumentException("mean values must be finite and std values finite and positive", nameof(std));
            }
        }

        InputShape = inputShape.ToArray();
        Classes = classes.ToArray();
        Range = range;
        Mean = mean?.ToArray();
        Std = std?.ToArray();
        Resize = resize;
        FeatureCount = inputShape.Aggregate(1, (a, b) => checked(a * b));
    }

    /// <summary>Shape of one input: <c>[k]</c> for a table row, <c>[C, H, W]</c> for an image.</summary>
    public IReadOnlyList<int> InputShape { get; }

    /// <summary>Values in one input (the product of <see cref="InputShape"/>).</summary>
    public int FeatureCount { get; }

    /// <summary>Class names; class id c is <c>Classes[c]</c>. A file's label is a name from this list or an id.</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>Raw values lie in [Low, High] and are mapped onto [0, 1]; null: raw values are used as they are.</summary>
    public (double Low, double High)? Range { get; }

    /// <summary>Standardisation after <see cref="Range"/>: (v - mean) / std, one value or one per channel.</summary>
    public IReadOnlyList<double>? Mean { get; }

    public IReadOnlyList<double>? Std { get; }

    /// <summary>Images of another size are resized to H x W (bilinear); when false they are refused.</summary>
    public bool Resize { get; }

    public int ClassCount => Classes.Count;

    /// <summary>Class id of a label as a file writes it: a class name first, else an integer id in range; -1 if neither.</summary>
    public int ClassOf(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        for (var c = 0; c < Classes.Count; c++)
        {
            if (string.Equals(Classes[c], label, StringComparison.Ordinal))
            {
                return c;
            }
        }

        return long.TryParse(label, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id) && id >= 0 && id < Classes.Count
            ? (int)id
            : -1;
    }

    /// <summary>
    /// One text that is equal for equal tasks and differs otherwise: the input to the task signature peers compare.
    /// Numbers in round-trip form, names length-prefixed so no choice of names can collide.
    /// </summary>
    public string Canonical()
    {
        var text = new StringBuilder("task/1;input=");
        text.AppendJoin('x', InputShape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
        text.Append(";classes=");
        foreach (var name in Classes)
        {
            text.Append(CultureInfo.InvariantCulture, $"{name.Length}:{name}");
        }

        if (Range is { } r)
        {
            text.Append(CultureInfo.InvariantCulture, $";range={r.Low:R},{r.High:R}");
        }

        if (Mean is not null && Std is not null)
        {
            text.Append(";mean=").AppendJoin(',', Mean.Select(m => m.ToString("R", CultureInfo.InvariantCulture)));
            text.Append(";std=").AppendJoin(',', Std.Select(s => s.ToString("R", CultureInfo.InvariantCulture)));
        }

        return text.Append(Resize ? ";resize=1" : ";resize=0").ToString();
    }

    /// <summary>
    /// The contract as one line of JSON with the topology file's keys (<c>input</c>, <c>classes</c>, <c>range</c>,
    /// <c>normalize</c>, <c>resize</c>): what an exported model carries so it can be evaluated on raw files later.
    /// </summary>
    public string ToJson()
    {
        var json = new JsonObject
        {
            ["input"] = new JsonArray([.. InputShape.Select(d => JsonValue.Create(d))]),
            ["classes"] = new JsonArray([.. Classes.Select(c => JsonValue.Create(c))]),
        };
        if (Range is { } r)
        {
            json["range"] = new JsonArray(JsonValue.Create(r.Low), JsonValue.Create(r.High));
        }

        if (Mean is not null && Std is not null)
        {
            json["normalize"] = new JsonObject
            {
                ["mean"] = new JsonArray([.. Mean.Select(m => JsonValue.Create(m))]),
                ["std"] = new JsonArray([.. Std.Select(v => JsonValue.Create(v))]),
            };
        }

        json["resize"] = Resize;
        return json.ToJsonString();
    }

    /// <summary>Reads <see cref="ToJson"/>'s form.</summary>
    /// <exception cref="FormatException">The text is not such a contract; the message says what is wrong.</exception>
    public static TaskDeclaration FromJson(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        try
        {
            var json = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = 8 })?.AsObject()
                ?? throw new FormatException("the task is not a JSON object");
            var input = json["input"]?.AsArray().Select(d => d!.GetValue<int>()).ToArray() ?? throw new FormatException("the task has no 'input'");
            var classes = json["classes"]?.AsArray().Select(c => c!.GetValue<string>()).ToArray() ?? throw new FormatException("the task has no 'classes'");
            (double, double)? range = json["range"] is JsonArray r && r.Count == 2 ? (r[0]!.GetValue<double>(), r[1]!.GetValue<double>()) : null;
            var normalize = json["normalize"]?.AsObject();
            var mean = normalize?["mean"]?.AsArray().Select(m => m!.GetValue<double>()).ToArray();
            var std = normalize?["std"]?.AsArray().Select(v => v!.GetValue<double>()).ToArray();
            return new TaskDeclaration(input, classes, range, mean, std, json["resize"]?.GetValue<bool>() ?? false);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
        {
            throw new FormatException($"not a task contract: {ex.Message}", ex);
        }
    }

    /// <summary>A short human form for logs: "input [1, 28, 28], 10 classes (T-shirt/top, Trouser, ...)".</summary>
    public override string ToString()
    {
        var names = string.Join(", ", Classes.Take(4)) + (Classes.Count > 4 ? ", ..." : "");
        return $"input [{string.Join(", ", InputShape)}], {Classes.Count} classes ({names})";
    }
}

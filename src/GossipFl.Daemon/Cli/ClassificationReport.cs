using System.Globalization;
using System.Text;
using System.Text.Json;

namespace GossipFl.Daemon.Cli;

/// <summary>
/// What <c>gossipfl evaluate</c> reports: loss and accuracy, per-class precision, recall and support, and the confusion
/// matrix (rows: the true class, columns: the predicted class), as text or JSON.
/// </summary>
internal sealed class ClassificationReport
{
    public ClassificationReport(IReadOnlyList<string> classes, double loss, ReadOnlySpan<long> labels, ReadOnlySpan<long> predicted)
    {
        Classes = classes;
        Loss = loss;
        Confusion = new long[classes.Count, classes.Count];
        for (var i = 0; i < labels.Length; i++)
        {
            Confusion[labels[i], predicted[i]]++;
        }

        Count = labels.Length;
    }

    public IReadOnlyList<string> Classes { get; }

    public double Loss { get; }

    public long[,] Confusion { get; }

    public int Count { get; }

    public double Accuracy => Count == 0 ? double.NaN : Enumerable.Range(0, Classes.Count).Sum(c => Confusion[c, c]) / (double)Count;

    /// <summary>Of the samples predicted as class c, the share that are c; null when none was predicted c.</summary>
    public double? Precision(int c)
    {
        var predicted = Enumerable.Range(0, Classes.Count).Sum(t => Confusion[t, c]);
        return predicted == 0 ? null : Confusion[c, c] / (double)predicted;
    }

    /// <summary>Of the samples of class c, the share predicted as c; null when the data holds none.</summary>
    public double? Recall(int c) => Support(c) == 0 ? null : Confusion[c, c] / (double)Support(c);

    public long Support(int c) => Enumerable.Range(0, Classes.Count).Sum(p => Confusion[c, p]);

    public string ToText()
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.Append(c, $"{Count:N0} samples  loss {Loss:0.0000}  accuracy {Accuracy:0.00%}\n\n");
        var width = Math.Max(5, Classes.Max(n => n.Length));
        text.Append(c, $"{"class".PadRight(width)}  precision  recall  support\n");
        for (var k = 0; k < Classes.Count; k++)
        {
            text.Append(c, $"{Classes[k].PadRight(width)}  {Percent(Precision(k)),9}  {Percent(Recall(k)),6}  {Support(k),7:N0}\n");
        }

        text.Append(c, $"\nconfusion matrix (rows: true class, columns: predicted class, in the order above)\n");
        var cell = Math.Max(5, Count.ToString("N0", c).Length);
        for (var t = 0; t < Classes.Count; t++)
        {
            text.Append(Classes[t].PadRight(width));
            for (var p = 0; p < Classes.Count; p++)
            {
                text.Append(' ').Append(Confusion[t, p].ToString("N0", c).PadLeft(cell));
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    public string ToJson() => JsonSerializer.Serialize(new
    {
        samples = Count,
        loss = Loss,
        accuracy = Accuracy,
        classes = Enumerable.Range(0, Classes.Count).Select(k => new { name = Classes[k], precision = Precision(k), recall = Recall(k), support = Support(k) }),
        confusion = Enumerable.Range(0, Classes.Count).Select(t => Enumerable.Range(0, Classes.Count).Select(p => Confusion[t, p])),
    }, Indented);

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private static string Percent(double? value) => value is { } v ? v.ToString("0.00%", CultureInfo.InvariantCulture) : "—";
}

using System.Globalization;
using System.Text;

namespace GossipFl.Daemon.Coordination;

/// <summary>
/// Keeps a peer's election vote (term and whom it voted for) in its data directory, so a restarted peer cannot
/// vote twice in one term (Raft's persistent currentTerm and votedFor). One line, <c>TERM NAME</c> or <c>TERM -</c>,
/// written to a temporary file, flushed to disk and renamed over the old one.
/// </summary>
internal sealed class ElectionStore
{
    public const string FileName = "election.state";

    private readonly string _path;

    public ElectionStore(string dataDirectory)
    {
        _path = System.IO.Path.Combine(dataDirectory, FileName);
    }

    public string FilePath => _path;

    /// <summary>The stored vote, or term 0 with no vote when there is none yet; a damaged file is an error naming it.</summary>
    public ElectionVote Load()
    {
        if (!File.Exists(_path))
        {
            return new ElectionVote(0, null);
        }

        var text = File.ReadAllText(_path, Encoding.UTF8).Trim();
        var parts = text.Split(' ', 2);
        if (parts.Length != 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var term) || parts[1].Length == 0)
        {
            throw new InvalidDataException(
                $"{_path}: expected 'TERM NAME' or 'TERM -', found '{(text.Length > 80 ? text[..80] + "..." : text)}'; delete the file only if this node has not voted in a live cluster's current term");
        }

        return new ElectionVote(term, parts[1] == "-" ? null : parts[1]);
    }

    public void Save(ElectionVote vote)
    {
        var temporary = _path + ".tmp";
        var line = string.Create(CultureInfo.InvariantCulture, $"{vote.Term} {vote.VotedFor ?? "-"}\n");
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            var bytes = Encoding.UTF8.GetBytes(line);
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, _path, overwrite: true);
    }
}

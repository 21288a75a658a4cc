namespace GossipFl.Learning.Models;

/// <summary>One tensor as the header declares it, already checked: offsets relative to the data section.</summary>
internal readonly record struct SafeTensorsHeaderEntry(string Name, string DType, long[] Shape, long Begin, long End);

using System.Runtime.CompilerServices;
using Dgl.Tensors;

namespace Dgl.Sampling;

/// <summary>
/// A per-edge weight read by edge id, as a struct type parameter so that the sampling loops are compiled once per
/// kind (no weights, float32, float64, bool mask) with no call or branch per edge.
/// </summary>
internal interface IEdgeWeights
{
    /// <summary>Whether every edge weighs the same (no weights, or a 0/1 mask): choices among the eligible edges are
    /// then uniform, which has cheaper algorithms than weighted ones.</summary>
    static abstract bool IsUniform { get; }

    /// <summary>The weight of edge <paramref name="eid"/>.</summary>
    double Get(int eid);
}

/// <summary>No weights: every edge weighs 1.</summary>
internal readonly struct UnitWeights : IEdgeWeights
{
    public static bool IsUniform => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Get(int eid) => 1;
}

/// <summary>float32 weights.</summary>
internal readonly struct FloatWeights(float[] data, int offset) : IEdgeWeights
{
    public static bool IsUniform => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Get(int eid) => data[offset + eid];
}

/// <summary>float64 weights.</summary>
internal readonly struct DoubleWeights(double[] data, int offset) : IEdgeWeights
{
    public static bool IsUniform => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Get(int eid) => data[offset + eid];
}

/// <summary>A bool mask: true edges weigh 1, false ones 0.</summary>
internal readonly struct MaskWeights(bool[] data, int offset) : IEdgeWeights
{
    public static bool IsUniform => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Get(int eid) => data[offset + eid] ? 1 : 0;
}

/// <summary>Looks up and checks a probability (or mask) edge feature of one relation.</summary>
internal static class EdgeWeightColumn
{
    /// <summary>
    /// The 1-D weight tensor of relation <paramref name="r"/> named <paramref name="name"/>, or null when the
    /// relation has no such feature.
    /// </summary>
    /// <exception cref="TensorDTypeException">The feature is not float32, float64 or bool.</exception>
    /// <exception cref="TensorShapeException">The feature has more than one value per edge.</exception>
    public static Tensor? Find(Graph g, int r, string name, string op)
    {
        if (!g.EdgeFrame(r).TryGetValue(name, out var t)) return null;
        if (t.Rank > 2 || (t.Rank == 2 && t.Size(1) != 1))
            throw new TensorShapeException($"{op}: the probability feature '{name}' of {g.RelationType(r)} has shape {t.Shape}; it needs one value per edge (shape [{t.Size(0)}])");
        if (t.DType is not (DType.Float32 or DType.Float64 or DType.Bool))
            throw new TensorDTypeException($"{op}: the probability feature '{name}' of {g.RelationType(r)} has dtype {t.DType.Name()}; expected float32, float64 or bool");
        return t;
    }

    /// <summary>The weight columns of every relation (null entries mean uniform), checking that at least one of the
    /// relations in <paramref name="used"/> has the feature when a name is given.</summary>
    /// <exception cref="ArgumentException">No relation that is sampled has the feature.</exception>
    public static Tensor?[] FindAll(Graph g, string? name, bool[] used, string op)
    {
        var result = new Tensor?[g.NumRelations];
        if (name is null) return result;
        var any = false;
        var anyUsed = false;
        for (var r = 0; r < result.Length; r++)
        {
            result[r] = Find(g, r, name, op);
            if (!used[r]) continue;
            anyUsed = true;
            any |= result[r] is not null;
        }
        if (anyUsed && !any)
        {
            var present = string.Join(", ", Enumerable.Range(0, g.NumRelations).SelectMany(r => g.EdgeFrame(r).Keys).Distinct(StringComparer.Ordinal).Select(k => $"'{k}'"));
            throw new ArgumentException($"{op}: there is no edge feature '{name}' to use as probabilities; the edges have {(present.Length == 0 ? "no features" : present)}", nameof(name));
        }
        return result;
    }
}

/// <summary>Reads a weight feature by edge id with a dtype switch per read (for walks, which read few weights per
/// step and gain nothing from a specialised loop).</summary>
internal sealed class WeightReader(Tensor weights)
{
    private readonly float[]? _f = weights.DType == DType.Float32 ? (float[])weights.Data : null;
    private readonly double[]? _d = weights.DType == DType.Float64 ? (double[])weights.Data : null;
    private readonly bool[]? _b = weights.DType == DType.Bool ? (bool[])weights.Data : null;
    private readonly int _offset = weights.Offset;

    /// <summary>The weight of edge <paramref name="eid"/>.</summary>
    public double this[int eid]
    {
        get
        {
            var e = _offset + eid;
            return _f is not null ? _f[e] : _d is not null ? _d[e] : _b![e] ? 1 : 0;
        }
    }
}

using Dgl.Ops;
using Dgl.Tensors;

namespace Dgl.Nn;

/// <summary>
/// A linear layer with a different weight per type (DGL's <c>TypedLinear</c>): y_i = x_i · W_{t_i}, where t_i is row
/// i's type. The weights may be regularised: "basis" decomposition W_t = Σ_b a_tb·V_b over <c>numBases</c> shared
/// bases (Schlichtkrull et al.), or "bdd" block-diagonal W_t made of <c>numBases</c> blocks of size
/// (in/numBases) × (out/numBases).
/// </summary>
/// <remarks>
/// Parameters and initialisation as DGL 1.1: without regularizer <c>W</c> [T, in, out] ~ U(±1/√in); "basis":
/// <c>W</c> [B, in, out] ~ U(±1/√in) and <c>coeff</c> [T, B] ~ Xavier uniform with the ReLU gain; "bdd": <c>W</c>
/// [T, B·(in/B)·(out/B)] ~ U(±1/√(in/B)). No bias. Rows sorted by type (<c>sortedByType</c>) run one GEMM per type
/// (<see cref="SparseOps.SegmentMM"/>); otherwise rows are grouped by type internally (<see cref="SparseOps.GatherMM"/>).
/// </remarks>
/// <example>
/// <code>
/// var layer = new TypedLinear(10, 20, numTypes: 3, regularizer: "basis", numBases: 2);
/// var y = layer.Forward(Tensor.Randn([100, 10]), Tensor.RandInt(0, 3, [100]));   // [100, 20]
/// </code>
/// </example>
public sealed class TypedLinear : Module
{
    private readonly int _submatIn;
    private readonly int _submatOut;

    /// <summary>Creates the layer and initialises it.</summary>
    /// <param name="inSize">Input size.</param>
    /// <param name="outSize">Output size.</param>
    /// <param name="numTypes">Number of types T.</param>
    /// <param name="regularizer">null (a full weight per type), "basis" or "bdd".</param>
    /// <param name="numBases">Number of bases (basis) or blocks (bdd); required with a regularizer.</param>
    /// <param name="dtype">Parameter dtype.</param>
    /// <param name="generator">Random stream for the initial values.</param>
    /// <exception cref="ArgumentException">Unknown regularizer, missing numBases, or (bdd) sizes not divisible by numBases.</exception>
    public TypedLinear(int inSize, int outSize, int numTypes, string? regularizer = null, int? numBases = null, DType dtype = DType.Float32, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(numTypes, 1);
        ConvSupport.CheckDType(nameof(TypedLinear), dtype);
        InSize = inSize;
        OutSize = outSize;
        NumTypes = numTypes;
        Regularizer = regularizer;
        switch (regularizer)
        {
            case null:
                Weight = RegisterParameter("W", Tensor.Zeros(new Shape(numTypes, inSize, outSize), dtype));
                break;
            case "basis":
                NumBases = numBases ?? throw new ArgumentException("TypedLinear: missing numBases for basis regularization", nameof(numBases));
                ArgumentOutOfRangeException.ThrowIfLessThan(NumBases, 1, nameof(numBases));
                Weight = RegisterParameter("W", Tensor.Zeros(new Shape(NumBases, inSize, outSize), dtype));
                Coeff = RegisterParameter("coeff", Tensor.Zeros(new Shape(numTypes, NumBases), dtype));
                break;
            case "bdd":
                NumBases = numBases ?? throw new ArgumentException("TypedLinear: missing numBases for bdd regularization", nameof(numBases));
                ArgumentOutOfRangeException.ThrowIfLessThan(NumBases, 1, nameof(numBases));
                if (inSize % NumBases != 0 || outSize % NumBases != 0)
                    throw new ArgumentException($"TypedLinear: input size {inSize} and output size {outSize} must be divisible by numBases {NumBases} for bdd regularization", nameof(numBases));
                _submatIn = inSize / NumBases;
                _submatOut = outSize / NumBases;
                Weight = RegisterParameter("W", Tensor.Zeros(new Shape(numTypes, NumBases * _submatIn * _submatOut), dtype));
                break;
            default:
                throw new ArgumentException($"TypedLinear: supported regularizer options are \"basis\" and \"bdd\" (or none), but got \"{regularizer}\"", nameof(regularizer));
        }
        ResetParameters(generator);
    }

    /// <summary>Input size.</summary>
    public int InSize { get; }

    /// <summary>Output size.</summary>
    public int OutSize { get; }

    /// <summary>Number of types.</summary>
    public int NumTypes { get; }

    /// <summary>null, "basis" or "bdd".</summary>
    public string? Regularizer { get; }

    /// <summary>Number of bases or blocks (0 without a regularizer).</summary>
    public int NumBases { get; }

    /// <summary>W: [T, in, out] (none), the bases [B, in, out] (basis) or the blocks [T, B·(in/B)·(out/B)] (bdd).</summary>
    public Parameter Weight { get; }

    /// <summary>The basis coefficients [T, B] ("basis" only).</summary>
    public Parameter? Coeff { get; }

    /// <inheritdoc/>
    public override void ResetParameters(Generator? generator = null)
    {
        if (Regularizer == "bdd")
        {
            var a = 1 / Math.Sqrt(_submatIn);
            Init.Uniform(Weight, -a, a, generator);
            return;
        }
        var bound = 1 / Math.Sqrt(InSize);
        Init.Uniform(Weight, -bound, bound, generator);
        if (Coeff is not null) Init.XavierUniform(Coeff, Init.CalculateGain("relu"), generator);
    }

    /// <summary>The per-type weights [T, in, out] (the bases combined for "basis"; the raw blocks for "bdd").</summary>
    public Tensor GetWeight() => Regularizer switch
    {
        "basis" => Coeff!.MatMul(Weight.Reshape(NumBases, InSize * OutSize)).Reshape(NumTypes, InSize, OutSize),
        _ => Weight,
    };

    /// <summary>y_i = x_i · W_{t_i}.</summary>
    /// <param name="x">[N, in].</param>
    /// <param name="types">int32/int64 [N], each in 0..T-1.</param>
    /// <param name="sortedByType">The rows are sorted by type (one GEMM per type, no regrouping).</param>
    /// <returns>[N, out].</returns>
    /// <exception cref="TensorShapeException">x is not [N, in] or types not [N].</exception>
    /// <exception cref="ArgumentException">A type is out of range or, with <paramref name="sortedByType"/>, the types are not sorted.</exception>
    public Tensor Forward(Tensor x, Tensor types, bool sortedByType = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(types);
        if (x.Rank != 2 || x.Size(1) != InSize)
            throw new TensorShapeException($"TypedLinear: x has shape {x.Shape}; expected [N, {InSize}]");
        if (types.Rank != 1 || types.Size(0) != x.Size(0) || !types.DType.IsInteger())
            throw new TensorShapeException($"TypedLinear: types has shape {types.Shape} and dtype {types.DType.Name()}; expected an int32/int64 [{x.Size(0)}] tensor");
        if (Regularizer == "bdd")
        {
            // Block b of row i uses W_{t_i}[b]: fold the blocks into the rows and give each (row, block) its matrix.
            var n = x.Size(0);
            var index = new int[n * NumBases];
            var t = TypeArray(types);
            for (var i = 0; i < n; i++)
                for (var b = 0; b < NumBases; b++) index[i * NumBases + b] = t[i] * NumBases + b;
            var w = Weight.Reshape(NumTypes * NumBases, _submatIn, _submatOut);
            return SparseOps.GatherMM(x.Reshape(n * NumBases, _submatIn), w, Tensor.FromArray(index)).Reshape(n, OutSize);
        }
        var weight = GetWeight();
        if (!sortedByType) return SparseOps.GatherMM(x, weight, types);
        var lengths = new long[NumTypes];
        var prev = -1;
        foreach (var ti in TypeArray(types))
        {
            if (ti < prev) throw new ArgumentException($"TypedLinear: sortedByType is set but type {ti} follows type {prev}", nameof(types));
            prev = ti;
            lengths[ti]++;
        }
        return SparseOps.SegmentMM(x, weight, Tensor.FromArray(lengths));
    }

    private int[] TypeArray(Tensor types)
    {
        var t = new int[types.Size(0)];
        for (var i = 0; i < t.Length; i++)
        {
            var v = types.DType == DType.Int32 ? types.Item<int>(i) : types.Item<long>(i);
            if ((ulong)v >= (ulong)NumTypes)
                throw new ArgumentOutOfRangeException(nameof(types), $"TypedLinear: type {v} at row {i} is outside 0..{NumTypes - 1}");
            t[i] = (int)v;
        }
        return t;
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => Regularizer is null
        ? $"inSize={InSize}, outSize={OutSize}, numTypes={NumTypes}"
        : $"inSize={InSize}, outSize={OutSize}, numTypes={NumTypes}, regularizer={Regularizer}, numBases={NumBases}";
}

using Dgl.Nn;
using Dgl.Tensors.Autograd;
using Xunit.Sdk;
using static Dgl.Tests.Nn.Conv.ConvFixtures;

namespace Dgl.Tests.Nn;

/// <summary>
/// <c>ResetParameters()</c> must put every parameter back on DGL's initialisation scheme. Each test overwrites every
/// parameter (and buffer) of a module with 7, a value no scheme below produces, resets it, and checks each tensor by
/// name against the scheme read from DGL's source (python/dgl/nn/pytorch/...). The expected names must be exactly the
/// module's, so a parameter the reset forgets, or one added later without a scheme here, fails the test.
/// </summary>
/// <remarks>
/// Where DGL's module has no <c>reset_parameters</c> of its own its submodules keep PyTorch's defaults:
/// <c>nn.Linear</c> weight and bias U(±1/√fan_in); <c>nn.LSTM</c>, <c>nn.GRUCell</c> every tensor U(±1/√hidden);
/// <c>nn.BatchNorm1d</c> and <c>nn.LayerNorm</c> weight 1, bias 0 (BatchNorm's running mean 0, variance 1, count 0).
/// </remarks>
public class ResetParametersTests
{
    private static readonly double s_reluGain = Math.Sqrt(2);

    /// <summary>U(±bound): the full statistical check where the tensor is big enough, else every value inside the bounds.</summary>
    private static Action<Tensor> Uniform(double bound) => t =>
    {
        if (t.NumElements >= 1000)
        {
            AssertUniform(t, bound);
            return;
        }
        var v = V(t);
        Assert.All(v, x => Assert.InRange(x, -bound, bound));
        if (v.Length > 1) Assert.True(v.Max() > v.Min(), "all values equal: not drawn from a distribution");
    };

    private static Action<Tensor> Normal(double std) => t => AssertNormal(t, std);

    private static Action<Tensor> XavierUniform(int fanIn, int fanOut, double gain) => Uniform(gain * Math.Sqrt(6.0 / (fanIn + fanOut)));

    private static Action<Tensor> XavierNormal(int fanIn, int fanOut, double gain) => Normal(gain * Math.Sqrt(2.0 / (fanIn + fanOut)));

    private static Action<Tensor> Constant(double value) => t => Assert.All(V(t), x => Assert.Equal(value, x));

    private static readonly Action<Tensor> s_zeros = Constant(0);
    private static readonly Action<Tensor> s_ones = Constant(1);

    /// <summary>nn.Linear's default: weight and bias both U(±1/√in).</summary>
    private static void AddDefaultLinear(Dictionary<string, Action<Tensor>> expected, string prefix, int inFeatures, bool bias = true)
    {
        expected[prefix + ".weight"] = Uniform(1 / Math.Sqrt(inFeatures));
        if (bias) expected[prefix + ".bias"] = Uniform(1 / Math.Sqrt(inFeatures));
    }

    /// <summary>nn.BatchNorm1d after reset: affine weight 1, bias 0, and the running statistics restarted.</summary>
    private static void AddBatchNorm(Dictionary<string, Action<Tensor>> expected, string prefix)
    {
        expected[prefix + ".weight"] = s_ones;
        expected[prefix + ".bias"] = s_zeros;
        expected[prefix + ".running_mean"] = s_zeros;
        expected[prefix + ".running_var"] = s_ones;
        expected[prefix + ".num_batches_tracked"] = s_zeros;
    }

    /// <summary>nn.LSTM's default: every weight and bias of every layer and direction U(±1/√hidden).</summary>
    private static void AddLstm(Dictionary<string, Action<Tensor>> expected, string prefix, int hidden, int layers = 1, bool bidirectional = false)
    {
        for (var l = 0; l < layers; l++)
        {
            foreach (var suffix in bidirectional ? new[] { "", "_reverse" } : [""])
            {
                foreach (var name in new[] { "weight_ih", "weight_hh", "bias_ih", "bias_hh" })
                    expected[$"{prefix}.{name}_l{l}{suffix}"] = Uniform(1 / Math.Sqrt(hidden));
            }
        }
    }

    /// <summary>
    /// Sets every parameter and buffer of <paramref name="module"/> to 7, calls <c>ResetParameters</c>, and checks each
    /// by name; the names must be exactly those of <paramref name="expected"/>.
    /// </summary>
    private static void AssertResetRestores(Module module, Dictionary<string, Action<Tensor>> expected)
    {
        var tensors = module.NamedParameters().Select(p => (p.Name, (Tensor)p.Parameter)).Concat(module.NamedBuffers()).ToList();
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), tensors.Select(t => t.Item1).Order(StringComparer.Ordinal));
        using (GradMode.NoGrad())
        {
            foreach (var (_, t) in tensors) t.FillInPlace(7);
        }
        module.ResetParameters(new Generator(11));
        foreach (var (name, t) in tensors)
        {
            try
            {
                expected[name](t);
            }
            catch (XunitException e)
            {
                throw new XunitException($"{module.GetType().Name} parameter '{name}' {t.Shape}: {e.Message}", e);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Convolutions
    // ---------------------------------------------------------------------------------------------------------

    /// <summary>DGL's EdgeConv has no reset_parameters: theta and phi keep nn.Linear's default, bn BatchNorm's.</summary>
    [Fact]
    public void EdgeConvRestoresLinearDefaultsAndBatchNorm()
    {
        var conv = new EdgeConv(100, 1000, batchNorm: true, generator: new Generator(1));
        var expected = new Dictionary<string, Action<Tensor>>(StringComparer.Ordinal);
        AddDefaultLinear(expected, "theta", 100);
        AddDefaultLinear(expected, "phi", 100);
        AddBatchNorm(expected, "bn");
        AssertResetRestores(conv, expected);
    }

    /// <summary>
    /// DGL's NNConv.reset_parameters: bias zeros, res_fc Xavier normal with ReLU gain. Ours also resets edge_func to
    /// its own initialisation (here nn.Linear's default), which DGL leaves to the caller.
    /// </summary>
    [Fact]
    public void NNConvRestoresZeroBiasXavierNormalResidualAndTheEdgeFunction()
    {
        const int inFeats = 40, outFeats = 50, edgeFeats = 8;
        var conv = new NNConv(inFeats, outFeats, new Linear(edgeFeats, inFeats * outFeats), "sum", residual: true, generator: new Generator(1));
        var expected = new Dictionary<string, Action<Tensor>>(StringComparer.Ordinal)
        {
            ["bias"] = s_zeros,
            ["res_fc.weight"] = XavierNormal(inFeats, outFeats, s_reluGain),
        };
        AddDefaultLinear(expected, "edge_func", edgeFeats);
        AssertResetRestores(conv, expected);
    }

    /// <summary>DGL's PNAConv and PNAConvTower have no reset_parameters: M, U and the mixing layer keep nn.Linear's
    /// default, each tower's batchnorm BatchNorm's.</summary>
    [Fact]
    public void PNAConvRestoresLinearDefaultsAndBatchNorm()
    {
        const int size = 100, towers = 2, edgeFeats = 10, tower = size / towers;
        string[] aggregators = ["mean", "max"], scalers = ["identity", "amplification"];
        var conv = new PNAConv(size, size, aggregators, scalers, delta: 2.5, numTowers: towers, edgeFeatSize: edgeFeats, generator: new Generator(1));
        var expected = new Dictionary<string, Action<Tensor>>(StringComparer.Ordinal);
        for (var t = 0; t < towers; t++)
        {
            AddDefaultLinear(expected, $"towers.{t}.M", 2 * tower + edgeFeats);
            AddDefaultLinear(expected, $"towers.{t}.U", (aggregators.Length * scalers.Length + 1) * tower);
            AddBatchNorm(expected, $"towers.{t}.batchnorm");
        }
        AddDefaultLinear(expected, "mixing_layer.0", size);
        AssertResetRestores(conv, expected);
    }

    /// <summary>
    /// DGL's SAGEConv.reset_parameters: Xavier uniform with ReLU gain for fc_pool, fc_self and fc_neigh, the LSTM's own
    /// reset; the linear biases are not touched there, so they keep nn.Linear's default; the "gcn" bias starts at zero.
    /// </summary>
    [Theory]
    [InlineData("mean")]
    [InlineData("gcn")]
    [InlineData("pool")]
    [InlineData("lstm")]
    public void SAGEConvRestoresXavierUniformWeightsForEveryAggregator(string aggregator)
    {
        const int inFeats = 100, outFeats = 1000;
        var conv = new SAGEConv(inFeats, outFeats, aggregator, generator: new Generator(1));
        var expected = new Dictionary<string, Action<Tensor>>(StringComparer.Ordinal)
        {
            ["fc_neigh.weight"] = XavierUniform(inFeats, outFeats, s_reluGain),
        };
        if (aggregator == "gcn")
        {
            expected["bias"] = s_zeros;
        }
        else
        {
            expected["fc_self.weight"] = XavierUniform(inFeats, outFeats, s_reluGain);
            expected["fc_self.bias"] = Uniform(1 / Math.Sqrt(inFeats));
        }
        if (aggregator == "pool")
        {
            expected["fc_pool.weight"] = XavierUniform(inFeats, inFeats, s_reluGain);
            expected["fc_pool.bias"] = Uniform(1 / Math.Sqrt(inFeats));
        }
        if (aggregator == "lstm") AddLstm(expected, "lstm", inFeats);
        AssertResetRestores(conv, expected);
    }

    /// <summary>DGL's GatedGraphConv.reset_parameters: the GRU cell's own reset (U(±1/√out)), then per edge type
    /// Xavier normal with ReLU gain and a zero bias.</summary>
    [Fact]
    public void GatedGraphConvRestoresGruDefaultsAndXavierNormalLinears()
    {
        const int outFeats = 400, etypes = 3;
        var conv = new GatedGraphConv(50, outFeats, nSteps: 2, nEtypes: etypes, generator: new Generator(1));
        var expected = new Dictionary<string, Action<Tensor>>(StringComparer.Ordinal);
        for (var t = 0; t < etypes; t++)
        {
            expected[$"linears.{t}.weight"] = XavierNormal(outFeats, outFeats, s_reluGain);
            expected[$"linears.{t}.bias"] = s_zeros;
        }
        foreach (var name in new[] { "weight_ih", "weight_hh", "bias_ih", "bias_hh" })
            expected["gru." + name] = Uniform(1 / Math.Sqrt(outFeats));
        AssertResetRestores(conv, expected);
    }

    /// <summary>DGL's GMMConv.reset_parameters: fc and res_fc Xavier normal with ReLU gain, μ ~ N(0, 0.1²),
    /// σ⁻¹ = 1, bias zeros.</summary>
    [Fact]
    public void GMMConvRestoresXavierNormalProjectionsKernelsAndZeroBias()
    {
        const int inFeats = 100, outFeats = 200, dim = 30, kernels = 40;
        var conv = new GMMConv(inFeats, outFeats, dim, kernels, residual: true, generator: new Generator(1));
        var expected = new Dictionary<string, Action<Tensor>>(StringComparer.Ordinal)
        {
            ["mu"] = Normal(0.1),
            ["inv_sigma"] = s_ones,
            ["fc.weight"] = XavierNormal(inFeats, kernels * outFeats, s_reluGain),
            ["res_fc.weight"] = XavierNormal(inFeats, outFeats, s_reluGain),
            ["bias"] = s_zeros,
        };
        AssertResetRestores(conv, expected);
    }

    /// <summary>
    /// DGL's HGTConv has no reset_parameters: its TypedLinears keep theirs (W ~ U(±1/√in)), relation_pri and skip
    /// start at 1, residual_w Xavier uniform (gain 1), the LayerNorm at weight 1, bias 0.
    /// </summary>
    [Fact]
    public void HGTConvRestoresTypedLinearsPriorsSkipResidualAndNorm()
    {
        const int inSize = 100, headSize = 20, heads = 4, ntypes = 3, etypes = 5, outSize = headSize * heads;
        var conv = new HGTConv(inSize, headSize, heads, ntypes, etypes, useNorm: true, generator: new Generator(1));
        var expected = new Dictionary<string, Action<Tensor>>(StringComparer.Ordinal)
        {
            ["linear_k.W"] = Uniform(1 / Math.Sqrt(inSize)),
            ["linear_q.W"] = Uniform(1 / Math.Sqrt(inSize)),
            ["linear_v.W"] = Uniform(1 / Math.Sqrt(inSize)),
            ["linear_a.W"] = Uniform(1 / Math.Sqrt(outSize)),
            ["skip"] = s_ones,
            ["residual_w"] = XavierUniform(inSize, outSize, 1),
            ["norm.weight"] = s_ones,
            ["norm.bias"] = s_zeros,
        };
        for (var i = 0; i < heads; i++)
        {
            expected[$"relation_pri.{i}"] = s_ones;
            expected[$"relation_att.{i}.W"] = Uniform(1 / Math.Sqrt(headSize));
            expected[$"relation_msg.{i}.W"] = Uniform(1 / Math.Sqrt(headSize));
        }
        AssertResetRestores(conv, expected);
    }

    /// <summary>
    /// DGL's GATConv.reset_parameters with a linear residual (inFeats ≠ heads·outFeats): fc, attn_l, attn_r and res_fc
    /// Xavier normal with ReLU gain, res_fc's bias zero (it replaces the layer's own bias).
    /// </summary>
    [Fact]
    public void GATConvRestoresXavierNormalWithALinearResidual()
    {
        const int inFeats = 200, outFeats = 150, heads = 8;
        var conv = new GATConv(inFeats, outFeats, heads, residual: true, generator: new Generator(1));
        // attn_l is [1, heads, out]: PyTorch's fan_in = heads·out, fan_out = 1·out.
        var expected = new Dictionary<string, Action<Tensor>>(StringComparer.Ordinal)
        {
            ["fc.weight"] = XavierNormal(inFeats, heads * outFeats, s_reluGain),
            ["attn_l"] = XavierNormal(heads * outFeats, outFeats, s_reluGain),
            ["attn_r"] = XavierNormal(heads * outFeats, outFeats, s_reluGain),
            ["res_fc.weight"] = XavierNormal(inFeats, heads * outFeats, s_reluGain),
            ["res_fc.bias"] = s_zeros,
        };
        AssertResetRestores(conv, expected);
    }

    /// <summary>
    /// GATConv on (source, destination) sizes: fc_src and fc_dst (DGL's names) Xavier normal with ReLU gain, as fc, and
    /// the layer's own bias zero.
    /// </summary>
    [Fact]
    public void GATConvOnASizePairRestoresBothProjections()
    {
        const int inSrc = 100, inDst = 60, outFeats = 150, heads = 8;
        var conv = new GATConv((inSrc, inDst), outFeats, heads, generator: new Generator(1));
        var expected = new Dictionary<string, Action<Tensor>>(StringComparer.Ordinal)
        {
            ["fc_src.weight"] = XavierNormal(inSrc, heads * outFeats, s_reluGain),
            ["fc_dst.weight"] = XavierNormal(inDst, heads * outFeats, s_reluGain),
            ["attn_l"] = XavierNormal(heads * outFeats, outFeats, s_reluGain),
            ["attn_r"] = XavierNormal(heads * outFeats, outFeats, s_reluGain),
            ["bias"] = s_zeros,
        };
        AssertResetRestores(conv, expected);
    }

    /// <summary>DGL's ChebConv has no reset_parameters: its linear keeps nn.Linear's default, bias included.</summary>
    [Fact]
    public void ChebConvRestoresLinearDefaultsIncludingTheBias()
    {
        const int inFeats = 100, k = 3;
        var conv = new ChebConv(inFeats, 1000, k, generator: new Generator(1));
        var expected = new Dictionary<string, Action<Tensor>>(StringComparer.Ordinal);
        AddDefaultLinear(expected, "linear", k * inFeats);
        AssertResetRestores(conv, expected);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Readouts and utilities
    // ---------------------------------------------------------------------------------------------------------

    /// <summary>DGL's Set2Set.reset_parameters is the LSTM's (input 2·d, hidden d): every tensor U(±1/√d).</summary>
    [Fact]
    public void Set2SetRestoresLstmDefaults()
    {
        const int dim = 300, layers = 2;
        var readout = new Set2Set(dim, nIters: 3, nLayers: layers, generator: new Generator(1));
        var expected = new Dictionary<string, Action<Tensor>>(StringComparer.Ordinal);
        AddLstm(expected, "lstm", dim, layers);
        AssertResetRestores(readout, expected);
    }

    /// <summary>DGL's WeightAndSum has no reset_parameters: atom_weighting's Linear(in, 1) keeps nn.Linear's default.</summary>
    [Fact]
    public void WeightAndSumRestoresLinearDefaults()
    {
        const int inFeats = 1000;
        var readout = new WeightAndSum(inFeats, generator: new Generator(1));
        var expected = new Dictionary<string, Action<Tensor>>(StringComparer.Ordinal);
        AddDefaultLinear(expected, "atom_weighting.0", inFeats);
        AssertResetRestores(readout, expected);
    }

    /// <summary>DGL's JumpingKnowledge.reset_parameters ("lstm"): the bidirectional LSTM's and att's own resets, with
    /// hidden = numLayers·inFeats / 2 and att = Linear(2·hidden, 1).</summary>
    [Fact]
    public void JumpingKnowledgeLstmRestoresLstmAndAttentionDefaults()
    {
        const int inFeats = 50, numLayers = 20, hidden = numLayers * inFeats / 2;
        var jk = new JumpingKnowledge("lstm", inFeats, numLayers, generator: new Generator(1));
        var expected = new Dictionary<string, Action<Tensor>>(StringComparer.Ordinal);
        AddLstm(expected, "lstm", hidden, bidirectional: true);
        AddDefaultLinear(expected, "att", 2 * hidden);
        AssertResetRestores(jk, expected);
    }

    /// <summary>DGL's EdgePredictor.reset_parameters is its linear's: nn.Linear's default over the op's input width
    /// (1 for "dot" and "cos", 2·in for "cat", in for "ele").</summary>
    [Theory]
    [InlineData("dot", 1)]
    [InlineData("cos", 1)]
    [InlineData("ele", 50)]
    [InlineData("cat", 100)]
    public void EdgePredictorRestoresTheProjectionsLinearDefaults(string op, int width)
    {
        var predictor = new EdgePredictor(op, inFeats: 50, outFeats: 1000, bias: true, generator: new Generator(1));
        var expected = new Dictionary<string, Action<Tensor>>(StringComparer.Ordinal);
        AddDefaultLinear(expected, "linear", width);
        AssertResetRestores(predictor, expected);
    }

    /// <summary>DGL's HeteroLinear has no reset_parameters: each type's Linear keeps nn.Linear's default over that
    /// type's own input size.</summary>
    [Fact]
    public void HeteroLinearRestoresEachTypesLinearDefaults()
    {
        var layer = new HeteroLinear(new Dictionary<string, int>(StringComparer.Ordinal) { ["user"] = 100, ["item"] = 400 }, 1000, generator: new Generator(1));
        var expected = new Dictionary<string, Action<Tensor>>(StringComparer.Ordinal);
        AddDefaultLinear(expected, "linears.user", 100);
        AddDefaultLinear(expected, "linears.item", 400);
        AssertResetRestores(layer, expected);
    }
}

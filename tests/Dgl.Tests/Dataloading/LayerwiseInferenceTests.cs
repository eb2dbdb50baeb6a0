using Dgl.Dataloading;
using Dgl.Tests.Graph;
using Dgl.Tests.Sampling;

namespace Dgl.Tests.Dataloading;

using Graph = Dgl.Graph;

public class LayerwiseInferenceTests
{
    /// <summary>A layer computed with naive loops from a block: h_v = x_v + 2 · mean over in-edges of x_u (per column).</summary>
    private static Tensor MeanLayer(Graph block, Tensor x)
    {
        var numDst = block.NumDstNodes();
        var width = x.Size(1);
        var xs = x.ToArray<float>();
        var (s, d) = block.AllEdges();
        var (src, dst) = (Naive.Ints(s), Naive.Ints(d));
        var sum = new double[numDst * width];
        var count = new int[numDst];
        for (var e = 0; e < src.Length; e++)
        {
            count[dst[e]]++;
            for (var j = 0; j < width; j++) sum[dst[e] * width + j] += xs[src[e] * width + j];
        }
        var y = new float[numDst * width];
        // Destination v is source v of the block (destinations come first).
        for (var v = 0; v < numDst; v++)
            for (var j = 0; j < width; j++) y[v * width + j] = (float)(xs[v * width + j] + 2 * (count[v] == 0 ? 0 : sum[v * width + j] / count[v]));
        return Tensor.FromArray(y, [numDst, width]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void LayerByLayerMatchesTheWholeGraphComputation(int workers)
    {
        var g = NeighborSamplingTests.TestGraph(150, 900, 4);
        var x = Tensor.Randn([150, 3], generator: new Generator(5));
        var y = LayerwiseInference.Run(g, x, 2, (_, block, h) => MeanLayer(block, h), batchSize: 32, numWorkers: workers);
        // Reference: the same layer twice on the whole graph (every node a destination, in-edges by id).
        var whole = g.ToBlock(CsrBuilder.Identity(150));
        var expected = MeanLayer(whole, MeanLayer(whole, x));
        Assert.Equal([150, 3], y.Shape.ToArray());
        var a = y.ToArray<float>();
        var b = expected.ToArray<float>();
        for (var i = 0; i < a.Length; i++) Assert.Equal(b[i], a[i], 4);
    }

    [Fact]
    public void LayerErrorsNameTheShapes()
    {
        var g = Generators.Path(10);
        var x = Tensor.Zeros([10, 2]);
        Assert.Throws<TensorShapeException>(() => LayerwiseInference.Run(g, Tensor.Zeros([9, 2]), 1, (_, _, h) => h));
        var ex = Assert.Throws<TensorShapeException>(() => LayerwiseInference.Run(g, x, 1, (_, _, _) => Tensor.Zeros([1, 2]), batchSize: 4));
        Assert.Contains("layer 0", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABatchKnowsWhetherItFitsTheModel()
    {
        var g = Generators.Path(10);
        var batch = new NeighborSampler([2, 2, 2]).Sample(g, [3]);
        batch.EnsureLayers(3);
        var ex = Assert.Throws<ArgumentException>(() => batch.EnsureLayers(2));
        Assert.Contains("3 blocks", ex.Message, StringComparison.Ordinal);
        Assert.Contains("2 layers", ex.Message, StringComparison.Ordinal);
    }
}

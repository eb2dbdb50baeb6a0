using Dgl.Tensors;

namespace Dgl.Dataloading;

/// <summary>
/// A mini-batch of message-flow graphs (DGL's <c>(input_nodes, output_nodes, blocks)</c>): <see cref="Blocks"/>[0]
/// consumes the input nodes' features and <see cref="Blocks"/>[^1] produces the output (seed) nodes.
/// </summary>
public sealed class BlockBatch
{
    internal BlockBatch(IReadOnlyList<string> nodeTypes, Tensor[] inputNodes, Tensor[] outputNodes, IReadOnlyList<Graph> blocks)
    {
        NodeTypes = nodeTypes;
        InputNodesByType = ByType(nodeTypes, inputNodes);
        OutputNodesByType = ByType(nodeTypes, outputNodes);
        Blocks = blocks;
    }

    /// <summary>The graph's node types, in order.</summary>
    public IReadOnlyList<string> NodeTypes { get; }

    /// <summary>Ids (in the sampled graph) of the first block's source nodes, whose features the model reads (int32).</summary>
    /// <exception cref="InvalidOperationException">The graph has several node types: use <see cref="InputNodesByType"/>.</exception>
    public Tensor InputNodes => Single(InputNodesByType, nameof(InputNodesByType));

    /// <summary>Ids of the last block's destination nodes: the seeds (int32).</summary>
    /// <exception cref="InvalidOperationException">The graph has several node types: use <see cref="OutputNodesByType"/>.</exception>
    public Tensor OutputNodes => Single(OutputNodesByType, nameof(OutputNodesByType));

    /// <summary>Input node ids per node type.</summary>
    public IReadOnlyDictionary<string, Tensor> InputNodesByType { get; }

    /// <summary>Output (seed) node ids per node type.</summary>
    public IReadOnlyDictionary<string, Tensor> OutputNodesByType { get; }

    /// <summary>The blocks, from the input layer to the output layer.</summary>
    public IReadOnlyList<Graph> Blocks { get; }

    /// <summary>
    /// Checks that the batch has one block per layer of a model with <paramref name="numLayers"/> layers (a sampler
    /// with a different number of fanouts than the model has layers is a common slip).
    /// </summary>
    /// <exception cref="ArgumentException">The counts differ (the message names both).</exception>
    public void EnsureLayers(int numLayers)
    {
        if (Blocks.Count != numLayers)
            throw new ArgumentException($"the batch has {Blocks.Count} blocks (one per fanout of the sampler) but the model has {numLayers} layers; give the sampler one fanout per layer", nameof(numLayers));
    }

    /// <summary>Deconstructs into (input nodes, output nodes, blocks) for a graph with one node type.</summary>
    public void Deconstruct(out Tensor inputNodes, out Tensor outputNodes, out IReadOnlyList<Graph> blocks)
    {
        inputNodes = InputNodes;
        outputNodes = OutputNodes;
        blocks = Blocks;
    }

    internal static Dictionary<string, Tensor> ByType(IReadOnlyList<string> types, Tensor[] ids)
    {
        var d = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (var t = 0; t < types.Count; t++) d[types[t]] = ids[t];
        return d;
    }

    internal static Tensor Single(IReadOnlyDictionary<string, Tensor> byType, string alternative)
    {
        if (byType.Count == 1) return byType.Values.First();
        throw new InvalidOperationException($"the graph has {byType.Count} node types ({string.Join(", ", byType.Keys.Select(k => $"'{k}'"))}); use {alternative}");
    }
}

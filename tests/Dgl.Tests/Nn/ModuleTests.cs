using Dgl.Nn;
using Dgl.Tensors.Autograd;

namespace Dgl.Tests.Nn;

public class ModuleTests
{
    /// <summary>A two-level model with a buffer, to exercise naming and state dicts.</summary>
    private sealed class Block : Module<Tensor, Tensor>
    {
        public Block(int dim, Generator gen)
        {
            Proj = RegisterModule("proj", new Linear(dim, dim, generator: gen));
            Scale = RegisterParameter("scale", Tensor.Ones([dim]));
            Count = RegisterBuffer("count", Tensor.Zeros([1], DType.Int64));
        }

        public Linear Proj { get; }

        public Parameter Scale { get; }

        public Tensor Count { get; }

        public override Tensor Forward(Tensor input) => Proj.Forward(input) * Scale;
    }

    private sealed class Net : Module<Tensor, Tensor>
    {
        public Net(Generator gen)
        {
            Layers = RegisterModule("layers", new ModuleList(new Block(3, gen), new Block(3, gen)));
            Head = RegisterModule("head", new Linear(3, 2, bias: false, generator: gen));
        }

        public ModuleList Layers { get; }

        public Linear Head { get; }

        public override Tensor Forward(Tensor input)
        {
            var h = input;
            foreach (var layer in Layers) h = ((Block)layer).Forward(h).Relu();
            return Head.Forward(h);
        }
    }

    /// <summary>Order as PyTorch's named_parameters: modules depth first, each module's own parameters before its children's.</summary>
    [Fact]
    public void ParametersAreNamedByPathInRegistrationOrder()
    {
        var net = new Net(new Generator(1));
        var names = net.NamedParameters().Select(p => p.Name).ToArray();
        Assert.Equal(
            ["layers.0.scale", "layers.0.proj.weight", "layers.0.proj.bias", "layers.1.scale", "layers.1.proj.weight", "layers.1.proj.bias", "head.weight"],
            names);
        Assert.Equal(["layers.0.count", "layers.1.count"], net.NamedBuffers().Select(b => b.Name).ToArray());
        Assert.Equal(2 * (9 + 3 + 3) + 6, net.NumParameters);
        Assert.Equal(["", "layers", "layers.0", "layers.0.proj", "layers.1", "layers.1.proj", "head"], net.NamedModules().Select(m => m.Name).ToArray());
        Assert.Equal(2, net.Children().Count());
        Assert.All(net.Parameters(), p => Assert.True(p.RequiresGrad));
        // PyTorch's order: each module's own parameters, then its buffers, then its children.
        Assert.Equal(["layers.0.scale", "layers.0.count", "layers.0.proj.weight", "layers.0.proj.bias",
            "layers.1.scale", "layers.1.count", "layers.1.proj.weight", "layers.1.proj.bias", "head.weight"], net.StateDict().Keys.ToArray());
    }

    [Fact]
    public void SharedParameterIsListedOnceButSavedUnderBothNames()
    {
        var a = new Linear(2, 2, generator: new Generator(0));
        var seq = new Sequential(a, new ReLU(), a);
        Assert.Equal(["0.weight", "0.bias"], seq.NamedParameters().Select(p => p.Name).ToArray());
        Assert.Equal(6, seq.NumParameters);
    }

    [Fact]
    public void RegistrationRejectsBadNames()
    {
        var ex = Assert.Throws<ArgumentException>(() => new ModuleDict { { "a.b", new ReLU() } });
        Assert.Contains("'a.b'", ex.Message, StringComparison.Ordinal);
        var dict = new ModuleDict { { "x", new ReLU() } };
        ex = Assert.Throws<ArgumentException>(() => dict.Add("x", new ReLU()));
        Assert.Contains("'x'", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => dict.Add("", new ReLU()));
        var missing = Assert.Throws<KeyNotFoundException>(() => dict["y"]);
        Assert.Contains("'x'", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TrainAndEvalPropagateToEveryDescendant()
    {
        var net = new Net(new Generator(1));
        Assert.All(net.Modules(), m => Assert.True(m.Training));
        Assert.Same(net, net.Eval());
        Assert.All(net.Modules(), m => Assert.False(m.Training));
        net.Layers[1].Train();
        Assert.True(net.Layers[1].Training);
        Assert.True(((Block)net.Layers[1]).Proj.Training);
        Assert.False(net.Layers[0].Training);
        Assert.False(net.Training);
        net.Train();
        Assert.All(net.Modules(), m => Assert.True(m.Training));
    }

    [Fact]
    public void StateDictRoundTripCopiesIntoExistingStorage()
    {
        var src = new Net(new Generator(1));
        ((Block)src.Layers[0]).Count.AsSpan<long>()[0] = 7;
        var dst = new Net(new Generator(2));
        var weightBefore = dst.Head.Weight;
        var spanBefore = dst.Head.Weight.AsSpan<float>().ToArray();
        Assert.NotEqual(src.Head.Weight.ToArray<float>(), spanBefore);

        var result = dst.LoadStateDict(src.StateDict());
        Assert.Empty(result.MissingKeys);
        Assert.Empty(result.UnexpectedKeys);
        Assert.Same(weightBefore, dst.Head.Weight);
        foreach (var (key, value) in src.StateDict())
            Assert.Equal(Reference(value), Reference(dst.StateDict()[key]));
        Assert.Equal(7, ((Block)dst.Layers[0]).Count.AsSpan<long>()[0]);

        var x = Tensor.Uniform([4, 3], -1, 1, generator: new Generator(5));
        Assert.Equal(src.Forward(x).ToArray<float>(), dst.Forward(x).ToArray<float>());
    }

    private static double[] Reference(Tensor t)
    {
        var v = new double[t.NumElements];
        for (var i = 0; i < v.Length; i++) v[i] = t.DType == DType.Int64 ? t.AsSpan<long>()[i] : t.AsSpan<float>()[i];
        return v;
    }

    [Fact]
    public void StrictLoadListsMissingAndUnexpectedKeys()
    {
        var net = new Net(new Generator(1));
        var sd = net.StateDict();
        sd.Remove("head.weight");
        sd.Remove("layers.1.scale");
        sd["extra.weight"] = Tensor.Zeros(2);
        var ex = Assert.Throws<StateDictException>(() => net.LoadStateDict(sd));
        Assert.Contains("missing keys: 'layers.1.scale', 'head.weight'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("unexpected keys: 'extra.weight'", ex.Message, StringComparison.Ordinal);

        var result = net.LoadStateDict(sd, strict: false);
        Assert.Equal(["layers.1.scale", "head.weight"], result.MissingKeys);
        Assert.Equal(["extra.weight"], result.UnexpectedKeys);
    }

    [Fact]
    public void ShapeMismatchNamesKeyAndBothShapesEvenWhenNotStrict()
    {
        var net = new Net(new Generator(1));
        var sd = net.StateDict();
        sd["head.weight"] = Tensor.Zeros(3, 2);
        var before = net.Head.Weight.ToArray<float>();
        var ex = Assert.Throws<StateDictException>(() => net.LoadStateDict(sd, strict: false));
        Assert.Contains("'head.weight'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[3, 2]", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[2, 3]", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, net.Head.Weight.ToArray<float>());   // nothing half-loaded
    }

    [Fact]
    public void SaveAndLoadThroughSafeTensorsGiveIdenticalOutputs()
    {
        var path = Path.Combine(Path.GetTempPath(), $"dgl-module-{Guid.NewGuid():N}.safetensors");
        try
        {
            var src = new Net(new Generator(11));
            src.Save(path);
            var dst = new Net(new Generator(12));
            dst.Load(path);
            var x = Tensor.Uniform([5, 3], -1, 1, generator: new Generator(3));
            Assert.Equal(src.Forward(x).ToArray<float>(), dst.Forward(x).ToArray<float>());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ZeroGradDropsOrZeroesGradients()
    {
        var lin = new Linear(3, 2, generator: new Generator(0));
        lin.Forward(Tensor.Ones(4, 3)).Sum().Backward();
        Assert.NotNull(lin.Weight.Grad);
        var grad = lin.Weight.Grad!;
        lin.ZeroGrad(setToNone: false);
        Assert.Same(grad, lin.Weight.Grad);
        Assert.All(grad.ToArray<float>(), v => Assert.Equal(0f, v));
        lin.ZeroGrad();
        Assert.Null(lin.Weight.Grad);
        Assert.Null(lin.Bias!.Grad);
    }

    [Fact]
    public void ToStringPrintsATreeLikePyTorch()
    {
        var seq = new Sequential(new Linear(4, 8, generator: new Generator(0)), new ReLU(), new Sequential(new Linear(8, 2, bias: false, generator: new Generator(0))));
        Assert.Equal(
            "Sequential(\n" +
            "  (0): Linear(inFeatures=4, outFeatures=8, bias=true)\n" +
            "  (1): ReLU()\n" +
            "  (2): Sequential(\n" +
            "    (0): Linear(inFeatures=8, outFeatures=2, bias=false)\n" +
            "  )\n" +
            ")",
            seq.ToString());
    }

    [Fact]
    public void ResetParametersRedrawsFromTheGenerator()
    {
        var lin = new Linear(5, 3, generator: new Generator(4));
        var first = lin.Weight.ToArray<float>();
        lin.ResetParameters(new Generator(9));
        Assert.NotEqual(first, lin.Weight.ToArray<float>());
        lin.ResetParameters(new Generator(4));
        Assert.Equal(first, lin.Weight.ToArray<float>());
    }

    [Fact]
    public void ParameterSharesStorageAndIsALeaf()
    {
        var t = Tensor.Zeros(2, 2);
        var p = new Parameter(t);
        t.AsSpan<float>()[0] = 5;
        Assert.Equal(5f, p.AsSpan<float>()[0]);
        Assert.True(p.IsLeaf);
        Assert.True(p.RequiresGrad);
        Assert.Throws<TensorDTypeException>(() => new Parameter(Tensor.Zeros([2], DType.Int64)));
        Assert.False(new Parameter(Tensor.Zeros([2], DType.Int64), requiresGrad: false).RequiresGrad);
    }

    [Fact]
    public void GradCheckThroughNestedModules()
    {
        var net = new Sequential(new Linear(3, 4, dtype: DType.Float64, generator: new Generator(2)), new ReLU(),
            new Linear(4, 2, dtype: DType.Float64, generator: new Generator(3)));
        var x = Tensor.Uniform([5, 3], -1, 1, DType.Float64, new Generator(4)).RequireGrad();
        var ps = net.Parameters().Cast<Tensor>().ToArray();
        GradCheck.Assert(_ => net.Forward(x), [x, .. ps]);
    }
}

public class ModuleUtilityTests
{
    [Fact]
    public void RequireGradFreezesAndApplyVisitsChildrenFirst()
    {
        var inner = new Sequential(new Linear(2, 2, generator: new Generator(0)));
        var model = new Sequential(new Linear(2, 2, generator: new Generator(1)), inner);
        inner.RequireGrad(false);
        Assert.Equal([true, true, false, false], model.Parameters().Select(p => p.RequiresGrad).ToArray());
        var order = new List<string>();
        model.Apply(m => order.Add(m.GetType().Name));
        Assert.Equal(["Linear", "Linear", "Sequential", "Sequential"], order);
        model.Apply(m => { if (m is Linear l) Init.Zeros(l.Weight); });
        Assert.All(model.Parameters().Where(p => p.Rank == 2), p => Assert.All(p.ToArray<float>(), v => Assert.Equal(0f, v)));
    }
}

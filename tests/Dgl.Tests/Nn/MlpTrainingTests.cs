using Dgl.Metrics;
using Dgl.Nn;
using Dgl.Optim;
using Dgl.Tensors.Kernels;

namespace Dgl.Tests.Nn;

/// <summary>The acceptance test of the modules-and-training stack: an MLP learns two spirals end to end.</summary>
[Collection("Parallelism")]
public class MlpTrainingTests
{
    /// <summary>Two interleaved spirals (1.5 turns each, with noise): not linearly separable.</summary>
    private static (Tensor X, Tensor Y) TwoSpirals(int perClass, ulong seed)
    {
        var gen = new Generator(seed);
        var x = new float[2 * perClass * 2];
        var y = new long[2 * perClass];
        for (var c = 0; c < 2; c++)
        {
            for (var i = 0; i < perClass; i++)
            {
                var t = (i + 0.5) / perClass;
                var angle = t * 3 * Math.PI + c * Math.PI;
                var r = 0.1 + t;
                var k = c * perClass + i;
                x[2 * k] = (float)(r * Math.Cos(angle) + 0.02 * (gen.NextDouble() - 0.5));
                x[2 * k + 1] = (float)(r * Math.Sin(angle) + 0.02 * (gen.NextDouble() - 0.5));
                y[k] = c;
            }
        }
        return (Tensor.From(x, [2 * perClass, 2]), Tensor.From(y));
    }

    private static Sequential Mlp(ulong seed)
    {
        var gen = new Generator(seed);
        return new Sequential(new Linear(2, 128, generator: gen), new ReLU(), new Linear(128, 2, generator: gen));
    }

    private static float[] Train(Sequential model, Tensor x, Tensor y, int steps)
    {
        var opt = new Adam(model.Parameters(), lr: 0.01);
        var losses = new float[steps];
        for (var s = 0; s < steps; s++)
        {
            opt.ZeroGrad();
            var loss = F.CrossEntropy(model.Forward(x), y);
            loss.Backward();
            opt.Step();
            losses[s] = loss.Item<float>();
        }
        return losses;
    }

    [Fact]
    public void TwoLayerMlpLearnsTwoSpiralsAndCheckpointsExactly()
    {
        var (x, y) = TwoSpirals(300, 42);
        var model = Mlp(7);
        Assert.True(Classification.Accuracy(model.Forward(x), y) < 0.8);   // not solved by the initial weights
        var losses = Train(model, x, y, 400);
        Assert.True(losses[^1] < losses[0] / 5, $"loss went from {losses[0]} to {losses[^1]}");
        model.Eval();
        var logits = model.Forward(x);
        var accuracy = Classification.Accuracy(logits, y);
        Assert.True(accuracy > 0.95, $"training accuracy {accuracy:P1}");

        var path = Path.Combine(Path.GetTempPath(), $"dgl-mlp-{Guid.NewGuid():N}.safetensors");
        try
        {
            model.Save(path);
            var restored = Mlp(99);
            restored.Load(path);
            restored.Eval();
            Assert.Equal(logits.ToArray<float>(), restored.Forward(x).ToArray<float>());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void SameSeedGivesBitIdenticalLossesWithOneAndTwoThreads()
    {
        // Enough points that the GEMMs split across threads when two are allowed.
        var (x, y) = TwoSpirals(2000, 3);
        var saved = Parallelism.MaxThreads;
        try
        {
            Parallelism.MaxThreads = 1;
            var one = Train(Mlp(5), x, y, 30);
            var oneAgain = Train(Mlp(5), x, y, 30);
            Parallelism.MaxThreads = 2;
            var two = Train(Mlp(5), x, y, 30);
            Assert.Equal(one, oneAgain);
            Assert.Equal(one, two);
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }
}

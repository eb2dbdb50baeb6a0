using System.Numerics;
using System.Runtime.CompilerServices;
using Dgl.Tensors;

namespace Dgl.Optim;

/// <summary>
/// RMSprop with PyTorch 1.13's update rule (<c>torch.optim.RMSprop</c>). Per parameter and step:
/// <code>
/// g = g + λ·p
/// s = α·s + (1 − α)·g²
/// centered:  a = α·a + (1 − α)·g;  d = √(s − a²) + ε     otherwise  d = √s + ε
/// momentum μ &gt; 0:  b = μ·b + g/d;  p = p − lr·b         otherwise  p = p − lr·g/d
/// </code>
/// </summary>
public sealed class RMSprop : Optimizer
{
    /// <summary>Creates the optimizer over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The tensors to optimise.</param>
    /// <param name="lr">Learning rate.</param>
    /// <param name="alpha">Smoothing constant α of the squared-gradient average.</param>
    /// <param name="eps">Added to the denominator for stability.</param>
    /// <param name="weightDecay">L2 penalty λ.</param>
    /// <param name="momentum">Momentum factor μ.</param>
    /// <param name="centered">Normalise by an estimate of the gradient's variance instead of its second moment.</param>
    public RMSprop(IEnumerable<Tensor> parameters, double lr = 1e-2, double alpha = 0.99, double eps = 1e-8, double weightDecay = 0, double momentum = 0, bool centered = false)
        : base(parameters, MakeDefaults(lr, alpha, eps, weightDecay, momentum, centered))
    {
    }

    /// <summary>Creates the optimizer over parameter groups.</summary>
    public RMSprop(IEnumerable<ParamGroup> groups, double lr = 1e-2, double alpha = 0.99, double eps = 1e-8, double weightDecay = 0, double momentum = 0, bool centered = false)
        : base(groups, MakeDefaults(lr, alpha, eps, weightDecay, momentum, centered))
    {
    }

    private static Dictionary<string, double> MakeDefaults(double lr, double alpha, double eps, double weightDecay, double momentum, bool centered) =>
        new(StringComparer.Ordinal)
        {
            ["lr"] = lr, ["alpha"] = alpha, ["eps"] = eps, ["weight_decay"] = weightDecay, ["momentum"] = momentum, ["centered"] = centered ? 1 : 0,
        };

    /// <inheritdoc/>
    protected override void Validate(ParamGroup group) =>
        OptimChecks.NonNegative("RMSprop", group, "lr", "alpha", "eps", "weight_decay", "momentum");

    /// <inheritdoc/>
    protected override void Update(ParamGroup group, Tensor parameter, Tensor grad, ParameterState state)
    {
        var square = state.Buffer("square_avg", parameter);
        var momentum = group["momentum"];
        var buf = momentum > 0 ? state.Buffer("momentum_buffer", parameter) : null;
        var gavg = group.Flag("centered") ? state.Buffer("grad_avg", parameter) : null;
        state.Step++;
        var (lr, alpha, eps, wd) = (group.Lr, group["alpha"], group["eps"], group["weight_decay"]);
        if (parameter.DType == DType.Float32)
            UpdateDriver.Run<float, Rule<float>>(new Rule<float>(parameter, grad, square, gavg, buf, (float)-lr, (float)alpha, (float)(1 - alpha), (float)eps, (float)wd, (float)momentum), parameter.NumElements);
        else
            UpdateDriver.Run<double, Rule<double>>(new Rule<double>(parameter, grad, square, gavg, buf, -lr, alpha, 1 - alpha, eps, wd, momentum), parameter.NumElements);
    }

    private readonly struct Rule<T>(Tensor p, Tensor g, Tensor square, Tensor? gradAvg, Tensor? buf, T negLr, T alpha, T oneMinusAlpha, T eps, T wd, T momentum)
        : IUpdateRule<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public int Run<TV, TS>(int i, int end) where TS : ISimd<TV, T>
        {
            ref var pp = ref UpdateDriver.Ref<T>(p);
            ref var gg = ref UpdateDriver.Ref<T>(g);
            ref var ss = ref UpdateDriver.Ref<T>(square);
            ref var aa = ref gradAvg is null ? ref Unsafe.NullRef<T>() : ref UpdateDriver.Ref<T>(gradAvg);
            ref var bb = ref buf is null ? ref Unsafe.NullRef<T>() : ref UpdateDriver.Ref<T>(buf);
            var (hasWd, centered, hasMomentum) = (wd != T.Zero, gradAvg is not null, buf is not null);
            var (vlr, valpha, v1alpha, veps, vwd, vmom) = (TS.Splat(negLr), TS.Splat(alpha), TS.Splat(oneMinusAlpha), TS.Splat(eps), TS.Splat(wd), TS.Splat(momentum));
            for (; i <= end - TS.Count; i += TS.Count)
            {
                var pv = TS.Load(ref pp, i);
                var gv = TS.Load(ref gg, i);
                if (hasWd) gv = TS.Add(gv, TS.Mul(vwd, pv));
                var sv = TS.Add(TS.Mul(TS.Load(ref ss, i), valpha), TS.Mul(TS.Mul(v1alpha, gv), gv));
                TS.Store(sv, ref ss, i);
                TV avg;
                if (centered)
                {
                    var av = TS.Add(TS.Mul(TS.Load(ref aa, i), valpha), TS.Mul(v1alpha, gv));
                    TS.Store(av, ref aa, i);
                    avg = TS.Add(TS.Sqrt(TS.Sub(sv, TS.Mul(av, av))), veps);
                }
                else
                {
                    avg = TS.Add(TS.Sqrt(sv), veps);
                }
                if (hasMomentum)
                {
                    var bv = TS.Add(TS.Mul(TS.Load(ref bb, i), vmom), TS.Div(gv, avg));
                    TS.Store(bv, ref bb, i);
                    TS.Store(TS.Add(pv, TS.Mul(vlr, bv)), ref pp, i);
                }
                else
                {
                    TS.Store(TS.Add(pv, TS.Div(TS.Mul(vlr, gv), avg)), ref pp, i);
                }
            }
            return i;
        }
    }
}

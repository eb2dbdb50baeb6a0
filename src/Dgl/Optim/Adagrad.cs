using System.Numerics;
using Dgl.Tensors;

namespace Dgl.Optim;

/// <summary>
/// Adagrad with PyTorch 1.13's update rule (<c>torch.optim.Adagrad</c>). Per parameter, at step t:
/// <code>
/// g = g + λ·p
/// clr = lr / (1 + (t − 1)·lrDecay)
/// s = s + g²                 (s starts at initialAccumulatorValue)
/// p = p − clr · g / (√s + ε)
/// </code>
/// </summary>
public sealed class Adagrad : Optimizer
{
    /// <summary>Creates the optimizer over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The tensors to optimise.</param>
    /// <param name="lr">Learning rate.</param>
    /// <param name="lrDecay">Learning-rate decay per step.</param>
    /// <param name="weightDecay">L2 penalty λ.</param>
    /// <param name="initialAccumulatorValue">Starting value of the squared-gradient sum.</param>
    /// <param name="eps">Added to the denominator for stability.</param>
    public Adagrad(IEnumerable<Tensor> parameters, double lr = 1e-2, double lrDecay = 0, double weightDecay = 0, double initialAccumulatorValue = 0, double eps = 1e-10)
        : base(parameters, MakeDefaults(lr, lrDecay, weightDecay, initialAccumulatorValue, eps))
    {
    }

    /// <summary>Creates the optimizer over parameter groups.</summary>
    public Adagrad(IEnumerable<ParamGroup> groups, double lr = 1e-2, double lrDecay = 0, double weightDecay = 0, double initialAccumulatorValue = 0, double eps = 1e-10)
        : base(groups, MakeDefaults(lr, lrDecay, weightDecay, initialAccumulatorValue, eps))
    {
    }

    private static Dictionary<string, double> MakeDefaults(double lr, double lrDecay, double weightDecay, double initial, double eps) =>
        new(StringComparer.Ordinal)
        {
            ["lr"] = lr, ["lr_decay"] = lrDecay, ["weight_decay"] = weightDecay, ["initial_accumulator_value"] = initial, ["eps"] = eps,
        };

    /// <inheritdoc/>
    protected override void Validate(ParamGroup group) =>
        OptimChecks.NonNegative("Adagrad", group, "lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps");

    /// <inheritdoc/>
    protected override void Update(ParamGroup group, Tensor parameter, Tensor grad, ParameterState state)
    {
        var sum = state.Buffer("sum", parameter, group["initial_accumulator_value"]);
        var step = ++state.Step;
        var clr = group.Lr / (1 + (step - 1) * group["lr_decay"]);
        var (wd, eps) = (group["weight_decay"], group["eps"]);
        if (parameter.DType == DType.Float32)
            UpdateDriver.Run<float, Rule<float>>(new Rule<float>(parameter, grad, sum, (float)-clr, (float)wd, (float)eps), parameter.NumElements);
        else
            UpdateDriver.Run<double, Rule<double>>(new Rule<double>(parameter, grad, sum, -clr, wd, eps), parameter.NumElements);
    }

    private readonly struct Rule<T>(Tensor p, Tensor g, Tensor sum, T negClr, T wd, T eps) : IUpdateRule<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public int Run<TV, TS>(int i, int end) where TS : ISimd<TV, T>
        {
            ref var pp = ref UpdateDriver.Ref<T>(p);
            ref var gg = ref UpdateDriver.Ref<T>(g);
            ref var ss = ref UpdateDriver.Ref<T>(sum);
            var hasWd = wd != T.Zero;
            var (vclr, vwd, veps) = (TS.Splat(negClr), TS.Splat(wd), TS.Splat(eps));
            for (; i <= end - TS.Count; i += TS.Count)
            {
                var pv = TS.Load(ref pp, i);
                var gv = TS.Load(ref gg, i);
                if (hasWd) gv = TS.Add(gv, TS.Mul(vwd, pv));
                var sv = TS.Add(TS.Load(ref ss, i), TS.Mul(gv, gv));
                TS.Store(sv, ref ss, i);
                TS.Store(TS.Add(pv, TS.Div(TS.Mul(vclr, gv), TS.Add(TS.Sqrt(sv), veps))), ref pp, i);
            }
            return i;
        }
    }
}

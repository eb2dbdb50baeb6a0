using System.Numerics;
using System.Runtime.CompilerServices;
using Dgl.Tensors;

namespace Dgl.Optim;

/// <summary>
/// Adam (Kingma &amp; Ba) with PyTorch 1.13's update rule (<c>torch.optim.Adam</c>). Per parameter, at step t:
/// <code>
/// g = g + λ·p                                   (L2 weight decay, when λ ≠ 0)
/// m = β1·m + (1 − β1)·g
/// v = β2·v + (1 − β2)·g²
/// v̂ = amsgrad ? (vmax = max(vmax, v)) : v
/// p = p − (lr / (1 − β1^t)) · m / (√v̂ / √(1 − β2^t) + ε)
/// </code>
/// </summary>
/// <example>
/// <code>
/// var opt = new Adam(model.Parameters(), lr: 1e-3);
/// </code>
/// </example>
public sealed class Adam : Optimizer
{
    /// <summary>Creates the optimizer over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The tensors to optimise.</param>
    /// <param name="lr">Learning rate.</param>
    /// <param name="beta1">Decay of the first-moment estimate.</param>
    /// <param name="beta2">Decay of the second-moment estimate.</param>
    /// <param name="eps">Added to the denominator for stability.</param>
    /// <param name="weightDecay">L2 penalty λ added to the gradient (use <see cref="AdamW"/> for decoupled decay).</param>
    /// <param name="amsgrad">Use the maximum of past second moments (AMSGrad).</param>
    public Adam(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0, bool amsgrad = false)
        : base(parameters, AdamRule.Defaults(lr, beta1, beta2, eps, weightDecay, amsgrad))
    {
    }

    /// <summary>Creates the optimizer over parameter groups; keys a group lacks take these values.</summary>
    public Adam(IEnumerable<ParamGroup> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0, bool amsgrad = false)
        : base(groups, AdamRule.Defaults(lr, beta1, beta2, eps, weightDecay, amsgrad))
    {
    }

    /// <inheritdoc/>
    protected override void Validate(ParamGroup group) => AdamRule.Validate("Adam", group);

    /// <inheritdoc/>
    protected override void Update(ParamGroup group, Tensor parameter, Tensor grad, ParameterState state) =>
        AdamRule.Update(group, parameter, grad, state, decoupled: false);
}

/// <summary>
/// AdamW (Loshchilov &amp; Hutter): Adam with decoupled weight decay, PyTorch 1.13's rule (<c>torch.optim.AdamW</c>):
/// first p = p·(1 − lr·λ), then the Adam update without the L2 term. The default λ is 0.01.
/// </summary>
public sealed class AdamW : Optimizer
{
    /// <summary>Creates the optimizer over <paramref name="parameters"/> (see <see cref="Adam"/> for the arguments).</summary>
    public AdamW(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 1e-2, bool amsgrad = false)
        : base(parameters, AdamRule.Defaults(lr, beta1, beta2, eps, weightDecay, amsgrad))
    {
    }

    /// <summary>Creates the optimizer over parameter groups.</summary>
    public AdamW(IEnumerable<ParamGroup> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 1e-2, bool amsgrad = false)
        : base(groups, AdamRule.Defaults(lr, beta1, beta2, eps, weightDecay, amsgrad))
    {
    }

    /// <inheritdoc/>
    protected override void Validate(ParamGroup group) => AdamRule.Validate("AdamW", group);

    /// <inheritdoc/>
    protected override void Update(ParamGroup group, Tensor parameter, Tensor grad, ParameterState state) =>
        AdamRule.Update(group, parameter, grad, state, decoupled: true);
}

/// <summary>The update shared by <see cref="Adam"/> and <see cref="AdamW"/>: one fused pass over p, g, m, v (and vmax).</summary>
internal static class AdamRule
{
    public static Dictionary<string, double> Defaults(double lr, double beta1, double beta2, double eps, double weightDecay, bool amsgrad) =>
        new(StringComparer.Ordinal)
        {
            ["lr"] = lr, ["beta1"] = beta1, ["beta2"] = beta2, ["eps"] = eps, ["weight_decay"] = weightDecay, ["amsgrad"] = amsgrad ? 1 : 0,
        };

    public static void Validate(string name, ParamGroup group)
    {
        OptimChecks.NonNegative(name, group, "lr", "eps", "weight_decay");
        OptimChecks.Beta(name, group, "beta1");
        OptimChecks.Beta(name, group, "beta2");
    }

    public static void Update(ParamGroup group, Tensor parameter, Tensor grad, ParameterState state, bool decoupled)
    {
        var amsgrad = group.Flag("amsgrad");
        var m = state.Buffer("exp_avg", parameter);
        var v = state.Buffer("exp_avg_sq", parameter);
        var vmax = amsgrad ? state.Buffer("max_exp_avg_sq", parameter) : null;
        var step = ++state.Step;
        var (lr, b1, b2, eps, wd) = (group.Lr, group["beta1"], group["beta2"], group["eps"], group["weight_decay"]);
        // Scalars in double, as PyTorch computes them in Python floats.
        var stepSize = lr / (1 - Math.Pow(b1, step));
        var bc2Sqrt = Math.Sqrt(1 - Math.Pow(b2, step));
        var decay = decoupled ? 1 - lr * wd : 1;
        var l2 = decoupled ? 0 : wd;
        if (parameter.DType == DType.Float32)
        {
            UpdateDriver.Run<float, Rule<float>>(new Rule<float>(parameter, grad, m, v, vmax, (float)b1, (float)(1 - b1), (float)b2, (float)(1 - b2),
                (float)-stepSize, (float)bc2Sqrt, (float)eps, (float)l2, (float)decay, decoupled && wd != 0), parameter.NumElements);
        }
        else
        {
            UpdateDriver.Run<double, Rule<double>>(new Rule<double>(parameter, grad, m, v, vmax, b1, 1 - b1, b2, 1 - b2,
                -stepSize, bc2Sqrt, eps, l2, decay, decoupled && wd != 0), parameter.NumElements);
        }
    }

    private readonly struct Rule<T>(Tensor p, Tensor g, Tensor m, Tensor v, Tensor? vmax, T b1, T oneMinusB1, T b2, T oneMinusB2,
        T negStepSize, T bc2Sqrt, T eps, T l2, T decay, bool decoupled) : IUpdateRule<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public int Run<TV, TS>(int i, int end) where TS : ISimd<TV, T>
        {
            ref var pp = ref UpdateDriver.Ref<T>(p);
            ref var gg = ref UpdateDriver.Ref<T>(g);
            ref var mm = ref UpdateDriver.Ref<T>(m);
            ref var vv = ref UpdateDriver.Ref<T>(v);
            ref var xx = ref vmax is null ? ref Unsafe.NullRef<T>() : ref UpdateDriver.Ref<T>(vmax);
            var hasL2 = l2 != T.Zero;
            var ams = vmax is not null;
            var (vb1, v1b1, vb2, v1b2) = (TS.Splat(b1), TS.Splat(oneMinusB1), TS.Splat(b2), TS.Splat(oneMinusB2));
            var (vstep, vbc2, veps, vl2, vdecay) = (TS.Splat(negStepSize), TS.Splat(bc2Sqrt), TS.Splat(eps), TS.Splat(l2), TS.Splat(decay));
            for (; i <= end - TS.Count; i += TS.Count)
            {
                var pv = TS.Load(ref pp, i);
                var gv = TS.Load(ref gg, i);
                if (decoupled) pv = TS.Mul(pv, vdecay);
                if (hasL2) gv = TS.Add(gv, TS.Mul(vl2, pv));
                var mv = TS.Add(TS.Mul(TS.Load(ref mm, i), vb1), TS.Mul(v1b1, gv));
                var sv = TS.Add(TS.Mul(TS.Load(ref vv, i), vb2), TS.Mul(TS.Mul(v1b2, gv), gv));
                TS.Store(mv, ref mm, i);
                TS.Store(sv, ref vv, i);
                if (ams)
                {
                    sv = TS.Max(TS.Load(ref xx, i), sv);
                    TS.Store(sv, ref xx, i);
                }
                var denom = TS.Add(TS.Div(TS.Sqrt(sv), vbc2), veps);
                TS.Store(TS.Add(pv, TS.Div(TS.Mul(vstep, mv), denom)), ref pp, i);
            }
            return i;
        }
    }
}

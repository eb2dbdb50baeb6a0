using System.Numerics;
using System.Runtime.CompilerServices;
using Dgl.Tensors;

namespace Dgl.Optim;

/// <summary>
/// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and L2 weight decay, with
/// PyTorch 1.13's update rule (<c>torch.optim.SGD</c>). Per parameter and step:
/// <code>
/// d = g + λ·p
/// if μ ≠ 0:  b = d on the first step, else b = μ·b + (1 − τ)·d;  d = nesterov ? d + μ·b : b
/// p = p − lr·d
/// </code>
/// with λ = weightDecay, μ = momentum, τ = dampening.
/// </summary>
/// <example>
/// <code>
/// var opt = new SGD(model.Parameters(), lr: 0.1, momentum: 0.9, nesterov: true);
/// loss.Backward(); opt.Step(); opt.ZeroGrad();
/// </code>
/// </example>
public sealed class SGD : Optimizer
{
    /// <summary>Creates the optimizer over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The tensors to optimise.</param>
    /// <param name="lr">Learning rate.</param>
    /// <param name="momentum">Momentum factor μ (0: none).</param>
    /// <param name="dampening">Dampening τ of the momentum.</param>
    /// <param name="weightDecay">L2 penalty λ added to the gradient.</param>
    /// <param name="nesterov">Use Nesterov momentum (needs μ &gt; 0 and τ = 0).</param>
    public SGD(IEnumerable<Tensor> parameters, double lr, double momentum = 0, double dampening = 0, double weightDecay = 0, bool nesterov = false)
        : base(parameters, MakeDefaults(lr, momentum, dampening, weightDecay, nesterov))
    {
    }

    /// <summary>Creates the optimizer over parameter groups; keys a group lacks take these values.</summary>
    public SGD(IEnumerable<ParamGroup> groups, double lr, double momentum = 0, double dampening = 0, double weightDecay = 0, bool nesterov = false)
        : base(groups, MakeDefaults(lr, momentum, dampening, weightDecay, nesterov))
    {
    }

    private static Dictionary<string, double> MakeDefaults(double lr, double momentum, double dampening, double weightDecay, bool nesterov) =>
        new(StringComparer.Ordinal)
        {
            ["lr"] = lr, ["momentum"] = momentum, ["dampening"] = dampening, ["weight_decay"] = weightDecay, ["nesterov"] = nesterov ? 1 : 0,
        };

    /// <inheritdoc/>
    protected override void Validate(ParamGroup group)
    {
        OptimChecks.NonNegative("SGD", group, "lr", "momentum", "weight_decay");
        if (group.Flag("nesterov") && (group["momentum"] <= 0 || group["dampening"] != 0))
            throw new ArgumentException($"SGD: Nesterov momentum requires momentum > 0 and dampening = 0; got momentum {group["momentum"]} and dampening {group["dampening"]}", nameof(group));
    }

    /// <inheritdoc/>
    protected override void Update(ParamGroup group, Tensor parameter, Tensor grad, ParameterState state)
    {
        var momentum = group["momentum"];
        Tensor? buffer = null;
        var first = false;
        if (momentum != 0)
        {
            first = !state.Buffers.ContainsKey("momentum_buffer");
            buffer = state.Buffer("momentum_buffer", parameter);
        }
        state.Step++;
        var (lr, wd, damp, nesterov) = (group.Lr, group["weight_decay"], group["dampening"], group.Flag("nesterov"));
        if (parameter.DType == DType.Float32)
            UpdateDriver.Run<float, Rule<float>>(new Rule<float>(parameter, grad, buffer, (float)lr, (float)wd, (float)momentum, (float)(1 - damp), nesterov, first), parameter.NumElements);
        else
            UpdateDriver.Run<double, Rule<double>>(new Rule<double>(parameter, grad, buffer, lr, wd, momentum, 1 - damp, nesterov, first), parameter.NumElements);
    }

    private readonly struct Rule<T>(Tensor p, Tensor g, Tensor? buf, T lr, T wd, T momentum, T oneMinusDampening, bool nesterov, bool first)
        : IUpdateRule<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public int Run<TV, TS>(int i, int end) where TS : ISimd<TV, T>
        {
            ref var pp = ref UpdateDriver.Ref<T>(p);
            ref var gg = ref UpdateDriver.Ref<T>(g);
            ref var bb = ref buf is null ? ref Unsafe.NullRef<T>() : ref UpdateDriver.Ref<T>(buf);
            var hasWd = wd != T.Zero;
            var hasMomentum = buf is not null;
            var (vlr, vwd, vmom, vdamp) = (TS.Splat(lr), TS.Splat(wd), TS.Splat(momentum), TS.Splat(oneMinusDampening));
            for (; i <= end - TS.Count; i += TS.Count)
            {
                var pv = TS.Load(ref pp, i);
                var d = TS.Load(ref gg, i);
                if (hasWd) d = TS.Add(d, TS.Mul(vwd, pv));
                if (hasMomentum)
                {
                    var b = first ? d : TS.Add(TS.Mul(TS.Load(ref bb, i), vmom), TS.Mul(vdamp, d));
                    TS.Store(b, ref bb, i);
                    d = nesterov ? TS.Add(d, TS.Mul(vmom, b)) : b;
                }
                TS.Store(TS.Sub(pv, TS.Mul(vlr, d)), ref pp, i);
            }
            return i;
        }
    }
}

/// <summary>Hyper-parameter checks shared by the optimizers.</summary>
internal static class OptimChecks
{
    public static void NonNegative(string optimizer, ParamGroup group, params ReadOnlySpan<string> keys)
    {
        foreach (var key in keys)
        {
            var v = group[key];
            if (!(v >= 0))
                throw new ArgumentOutOfRangeException(nameof(group), v, $"{optimizer}: invalid {key} {v}; it must be >= 0");
        }
    }

    public static void Beta(string optimizer, ParamGroup group, string key)
    {
        var v = group[key];
        if (!(v is >= 0 and < 1))
            throw new ArgumentOutOfRangeException(nameof(group), v, $"{optimizer}: invalid {key} {v}; it must be in [0, 1)");
    }
}

using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Dgl.Tensors.Kernels;

/// <summary>
/// Fused layer-norm and batch-norm kernels (forward and backward). Every sum runs in a fixed order: within a
/// contiguous run by position (fixed vector accumulators), across runs in index order, and across chunks whose
/// size depends only on the shape; so results are bit-identical for any thread count.
/// </summary>
internal static class NormKernels
{
    /// <summary>Elements a reduction chunk covers (rows per chunk = this / row length).</summary>
    private const int ChunkElements = 1 << 14;

    // ------------------------------------------------------------------------------------------------------------
    // fixed-order paired sums over a run
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>Two sums over positions i of a run: A = Σ a(x_i, y_i, m) and B = Σ b(x_i, y_i, m).</summary>
    private interface IPairTerms<T> where T : unmanaged
    {
        static abstract Vector512<T> A(Vector512<T> x, Vector512<T> y, Vector512<T> m);
        static abstract Vector512<T> B(Vector512<T> x, Vector512<T> y, Vector512<T> m);
        static abstract Vector256<T> A(Vector256<T> x, Vector256<T> y, Vector256<T> m);
        static abstract Vector256<T> B(Vector256<T> x, Vector256<T> y, Vector256<T> m);
        static abstract T A(T x, T y, T m);
        static abstract T B(T x, T y, T m);
    }

    /// <summary>A = Σ (x - m)² (B unused).</summary>
    private readonly struct SquaredDeviation<T> : IPairTerms<T> where T : unmanaged, INumber<T>
    {
        public static Vector512<T> A(Vector512<T> x, Vector512<T> y, Vector512<T> m) => (x - m) * (x - m);
        public static Vector512<T> B(Vector512<T> x, Vector512<T> y, Vector512<T> m) => Vector512<T>.Zero;
        public static Vector256<T> A(Vector256<T> x, Vector256<T> y, Vector256<T> m) => (x - m) * (x - m);
        public static Vector256<T> B(Vector256<T> x, Vector256<T> y, Vector256<T> m) => Vector256<T>.Zero;
        public static T A(T x, T y, T m) => (x - m) * (x - m);
        public static T B(T x, T y, T m) => T.Zero;
    }

    /// <summary>A = Σ y, B = Σ y·(x - m): the batch-norm gradient sums (y = dy, x = input, m = mean).</summary>
    private readonly struct GradTerms<T> : IPairTerms<T> where T : unmanaged, INumber<T>
    {
        public static Vector512<T> A(Vector512<T> x, Vector512<T> y, Vector512<T> m) => y;
        public static Vector512<T> B(Vector512<T> x, Vector512<T> y, Vector512<T> m) => y * (x - m);
        public static Vector256<T> A(Vector256<T> x, Vector256<T> y, Vector256<T> m) => y;
        public static Vector256<T> B(Vector256<T> x, Vector256<T> y, Vector256<T> m) => y * (x - m);
        public static T A(T x, T y, T m) => y;
        public static T B(T x, T y, T m) => y * (x - m);
    }

    /// <summary>Σ over a run with two vector accumulators per sum, combined in a fixed order (position-only grouping).</summary>
    private static (T A, T B) PairSum<T, TOp>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, T m)
        where T : unmanaged, INumber<T> where TOp : IPairTerms<T>
    {
        ref var px = ref MemoryMarshal.GetReference(x);
        ref var py = ref MemoryMarshal.GetReference(y);
        var n = x.Length;
        var i = 0;
        var a = T.Zero;
        var b = T.Zero;
        if (Vector512.IsHardwareAccelerated && n >= 2 * Vector512<T>.Count)
        {
            var w = Vector512<T>.Count;
            var mv = Vector512.Create(m);
            Vector512<T> a0 = Vector512<T>.Zero, a1 = a0, b0 = a0, b1 = a0;
            for (; i <= n - 2 * w; i += 2 * w)
            {
                var x0 = Vector512.LoadUnsafe(ref px, (nuint)i);
                var y0 = Vector512.LoadUnsafe(ref py, (nuint)i);
                var x1 = Vector512.LoadUnsafe(ref px, (nuint)(i + w));
                var y1 = Vector512.LoadUnsafe(ref py, (nuint)(i + w));
                a0 += TOp.A(x0, y0, mv);
                b0 += TOp.B(x0, y0, mv);
                a1 += TOp.A(x1, y1, mv);
                b1 += TOp.B(x1, y1, mv);
            }
            a = Vector512.Sum(a0 + a1);
            b = Vector512.Sum(b0 + b1);
        }
        else if (Vector256.IsHardwareAccelerated && n >= 2 * Vector256<T>.Count)
        {
            var w = Vector256<T>.Count;
            var mv = Vector256.Create(m);
            Vector256<T> a0 = Vector256<T>.Zero, a1 = a0, b0 = a0, b1 = a0;
            for (; i <= n - 2 * w; i += 2 * w)
            {
                var x0 = Vector256.LoadUnsafe(ref px, (nuint)i);
                var y0 = Vector256.LoadUnsafe(ref py, (nuint)i);
                var x1 = Vector256.LoadUnsafe(ref px, (nuint)(i + w));
                var y1 = Vector256.LoadUnsafe(ref py, (nuint)(i + w));
                a0 += TOp.A(x0, y0, mv);
                b0 += TOp.B(x0, y0, mv);
                a1 += TOp.A(x1, y1, mv);
                b1 += TOp.B(x1, y1, mv);
            }
            a = Vector256.Sum(a0 + a1);
            b = Vector256.Sum(b0 + b1);
        }
        for (; i < n; i++)
        {
            var xi = Unsafe.Add(ref px, i);
            var yi = Unsafe.Add(ref py, i);
            a += TOp.A(xi, yi, m);
            b += TOp.B(xi, yi, m);
        }
        return (a, b);
    }

    // ------------------------------------------------------------------------------------------------------------
    // layer norm
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// Per row r of x [rows, d]: μ = mean, σ² = mean of squared deviations, ρ = 1/√(σ² + eps),
    /// y = (x − μ)·ρ·w + b; saves μ and ρ.
    /// </summary>
    public static void LayerNormForward<T>(Tensor x, Tensor? weight, Tensor? bias, double eps, int rows, int d, Tensor y, Tensor mean, Tensor rstd)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var epsT = T.CreateTruncating(eps);
        var invD = T.One / T.CreateTruncating(Math.Max(1, d));
        Parallelism.For(rows, Math.Max(1, Parallelism.ElementwiseGrain / Math.Max(1, d)), (s, e) =>
        {
            var xs = x.Span<T>();
            var ys = y.Span<T>();
            var ms = mean.Span<T>();
            var rs = rstd.Span<T>();
            ReadOnlySpan<T> w = weight is null ? default : weight.Span<T>();
            ReadOnlySpan<T> b = bias is null ? default : bias.Span<T>();
            for (var r = s; r < e; r++)
            {
                var row = xs.Slice(r * d, d);
                var outRow = ys.Slice(r * d, d);
                var mu = Reduce.Sum<T>(row) * invD;
                var (sq, _) = PairSum<T, SquaredDeviation<T>>(row, row, mu);
                var rho = T.One / T.Sqrt(sq * invD + epsT);
                ms[r] = mu;
                rs[r] = rho;
                TensorPrimitives.Subtract(row, mu, outRow);
                TensorPrimitives.Multiply(outRow, rho, outRow);
                if (weight is not null && bias is not null) TensorPrimitives.FusedMultiplyAdd(outRow, w, b, outRow);
                else if (weight is not null) TensorPrimitives.Multiply(outRow, w, outRow);
                else if (bias is not null) TensorPrimitives.Add(outRow, b, outRow);
            }
        });
    }

    /// <summary>
    /// Layer-norm backward. With x̂ = (x − μ)ρ and g = dy·w: dx = ρ·(g − mean(g) − x̂·mean(g·x̂)),
    /// dw = Σ_rows dy·x̂, db = Σ_rows dy (column sums by fixed row chunks, combined in chunk order).
    /// </summary>
    public static void LayerNormBackward<T>(Tensor grad, Tensor x, Tensor? weight, Tensor mean, Tensor rstd, int rows, int d,
        Tensor? gradX, Tensor? gradW, Tensor? gradB) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var invD = T.One / T.CreateTruncating(Math.Max(1, d));
        var rowsPerChunk = Math.Max(1, ChunkElements / Math.Max(1, d));
        var chunks = (rows + rowsPerChunk - 1) / rowsPerChunk;
        var needParams = gradW is not null || gradB is not null;
        var partialW = gradW is null ? null : new T[(long)chunks * d];
        var partialB = gradB is null ? null : new T[(long)chunks * d];
        Parallelism.ForChunks(chunks, c =>
        {
            var xhat = new T[d];
            var g = new T[d];
            var gs = grad.Span<T>();
            var xs = x.Span<T>();
            var ms = mean.Span<T>();
            var rs = rstd.Span<T>();
            ReadOnlySpan<T> w = weight is null ? default : weight.Span<T>();
            var pw = partialW is null ? default : partialW.AsSpan(c * d, d);
            var pb = partialB is null ? default : partialB.AsSpan(c * d, d);
            var r1 = Math.Min(rows, (c + 1) * rowsPerChunk);
            for (var r = c * rowsPerChunk; r < r1; r++)
            {
                var dy = gs.Slice(r * d, d);
                var rho = rs[r];
                TensorPrimitives.Subtract(xs.Slice(r * d, d), ms[r], xhat);
                TensorPrimitives.Multiply(xhat, rho, xhat);
                if (needParams)
                {
                    if (partialW is not null) TensorPrimitives.FusedMultiplyAdd(dy, xhat, pw, pw);
                    if (partialB is not null) TensorPrimitives.Add(pb, dy, pb);
                }
                if (gradX is null) continue;
                if (weight is not null) TensorPrimitives.Multiply(dy, w, g);
                else dy.CopyTo(g);
                // A = Σ g, B = Σ g·x̂ (GradTerms with m = 0: y·x).
                var (sumG, sumGX) = PairSum<T, GradTerms<T>>(xhat, g, T.Zero);
                var dx = gradX.Span<T>().Slice(r * d, d);
                // dx = ρ·(g − A/d − x̂·B/d)
                TensorPrimitives.MultiplyAdd(xhat, -sumGX * invD, g, dx);
                TensorPrimitives.Add(dx, -sumG * invD, dx);
                TensorPrimitives.Multiply(dx, rho, dx);
            }
        });
        if (gradW is not null) CombineChunks<T>(partialW!, chunks, d, gradW.Span<T>());
        if (gradB is not null) CombineChunks<T>(partialB!, chunks, d, gradB.Span<T>());
    }

    /// <summary>dst = Σ_c partial[c, :], chunk after chunk.</summary>
    private static void CombineChunks<T>(T[] partial, int chunks, int d, Span<T> dst) where T : unmanaged, INumber<T>
    {
        dst.Clear();
        for (var c = 0; c < chunks; c++) TensorPrimitives.Add(dst, partial.AsSpan(c * d, d), dst);
    }

    // ------------------------------------------------------------------------------------------------------------
    // batch norm
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// Per-channel sums over x viewed as [n, c, l] (channel ch's elements are the runs x[i, ch, :]):
    /// A[ch] = Σ a(x, y, m[ch]), B[ch] = Σ b(x, y, m[ch]), in a fixed order.
    /// </summary>
    private static void ChannelSums<T, TOp>(Tensor x, Tensor y, ReadOnlySpan<T> m, int n, int c, int l, Span<T> sumA, Span<T> sumB)
        where T : unmanaged, INumber<T> where TOp : IPairTerms<T>
    {
        if (l == 1)
        {
            // [n, c]: channels are columns. Fixed row chunks accumulate column vectors, combined in chunk order.
            var rowsPerChunk = Math.Max(1, ChunkElements / Math.Max(1, c));
            var chunks = (n + rowsPerChunk - 1) / rowsPerChunk;
            var pa = new T[(long)chunks * c];
            var pb = new T[(long)chunks * c];
            var mArr = m.ToArray();
            Parallelism.ForChunks(chunks, k =>
            {
                var xs = x.Span<T>();
                var ys = y.Span<T>();
                var accA = pa.AsSpan(k * c, c);
                var accB = pb.AsSpan(k * c, c);
                var r0 = k * rowsPerChunk;
                var r1 = Math.Min(n, (k + 1) * rowsPerChunk);
                var c0 = 0;
                if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
                {
                    // Tiles of four vectors of columns: the accumulators stay in registers over the chunk's rows.
                    for (; c0 <= c - 4 * Vector512<T>.Count; c0 += 4 * Vector512<T>.Count)
                        AccumulateColumnTile<T, TOp>(xs, ys, mArr, r0, r1, c, c0, accA, accB);
                }
                if (c0 < c)
                {
                    for (var r = r0; r < r1; r++)
                        AccumulateColumns<T, TOp>(xs.Slice(r * c + c0, c - c0), ys.Slice(r * c + c0, c - c0), mArr.AsSpan(c0), accA[c0..], accB[c0..]);
                }
            });
            CombineChunks<T>(pa, chunks, c, sumA);
            CombineChunks<T>(pb, chunks, c, sumB);
            return;
        }
        // [n, c, l]: fixed chunks of n per channel; each run summed by position, runs added in order.
        var perChunk = Math.Max(1, ChunkElements / l);
        var nChunks = (n + perChunk - 1) / perChunk;
        var partA = new T[(long)c * nChunks];
        var partB = new T[(long)c * nChunks];
        var ms = m.ToArray();
        Parallelism.ForChunks(c * nChunks, u =>
        {
            var ch = u / nChunks;
            var k = u - ch * nChunks;
            var xs = x.Span<T>();
            var ys = y.Span<T>();
            T a = T.Zero, b = T.Zero;
            var i1 = Math.Min(n, (k + 1) * perChunk);
            for (var i = k * perChunk; i < i1; i++)
            {
                var off = (i * c + ch) * l;
                var (ra, rb) = PairSum<T, TOp>(xs.Slice(off, l), ys.Slice(off, l), ms[ch]);
                a += ra;
                b += rb;
            }
            partA[u] = a;
            partB[u] = b;
        });
        for (var ch = 0; ch < c; ch++)
        {
            T a = T.Zero, b = T.Zero;
            for (var k = 0; k < nChunks; k++)
            {
                a += partA[ch * nChunks + k];
                b += partB[ch * nChunks + k];
            }
            sumA[ch] = a;
            sumB[ch] = b;
        }
    }

    /// <summary>
    /// accA/accB[c0 .. c0 + 4w) += Σ over rows [r0, r1) of the terms, with the eight accumulators in registers; rows are
    /// added in order, so the result is the same as <see cref="AccumulateColumns{T, TOp}"/> row by row.
    /// </summary>
    private static void AccumulateColumnTile<T, TOp>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, T[] m, int r0, int r1, int c, int c0, Span<T> accA, Span<T> accB)
        where T : unmanaged, INumber<T> where TOp : IPairTerms<T>
    {
        var w = Vector512<T>.Count;
        ref var px = ref MemoryMarshal.GetReference(x);
        ref var py = ref MemoryMarshal.GetReference(y);
        ref var pm = ref MemoryMarshal.GetArrayDataReference(m);
        ref var pa = ref MemoryMarshal.GetReference(accA);
        ref var pb = ref MemoryMarshal.GetReference(accB);
        var o = (nuint)c0;
        var (m0, m1, m2, m3) = (Vector512.LoadUnsafe(ref pm, o), Vector512.LoadUnsafe(ref pm, o + (nuint)w),
            Vector512.LoadUnsafe(ref pm, o + (nuint)(2 * w)), Vector512.LoadUnsafe(ref pm, o + (nuint)(3 * w)));
        var (a0, a1, a2, a3) = (Vector512.LoadUnsafe(ref pa, o), Vector512.LoadUnsafe(ref pa, o + (nuint)w),
            Vector512.LoadUnsafe(ref pa, o + (nuint)(2 * w)), Vector512.LoadUnsafe(ref pa, o + (nuint)(3 * w)));
        var (b0, b1, b2, b3) = (Vector512.LoadUnsafe(ref pb, o), Vector512.LoadUnsafe(ref pb, o + (nuint)w),
            Vector512.LoadUnsafe(ref pb, o + (nuint)(2 * w)), Vector512.LoadUnsafe(ref pb, o + (nuint)(3 * w)));
        for (var r = r0; r < r1; r++)
        {
            var off = (nuint)((long)r * c + c0);
            var x0 = Vector512.LoadUnsafe(ref px, off);
            var x1 = Vector512.LoadUnsafe(ref px, off + (nuint)w);
            var x2 = Vector512.LoadUnsafe(ref px, off + (nuint)(2 * w));
            var x3 = Vector512.LoadUnsafe(ref px, off + (nuint)(3 * w));
            var y0 = Vector512.LoadUnsafe(ref py, off);
            var y1 = Vector512.LoadUnsafe(ref py, off + (nuint)w);
            var y2 = Vector512.LoadUnsafe(ref py, off + (nuint)(2 * w));
            var y3 = Vector512.LoadUnsafe(ref py, off + (nuint)(3 * w));
            a0 += TOp.A(x0, y0, m0);
            a1 += TOp.A(x1, y1, m1);
            a2 += TOp.A(x2, y2, m2);
            a3 += TOp.A(x3, y3, m3);
            b0 += TOp.B(x0, y0, m0);
            b1 += TOp.B(x1, y1, m1);
            b2 += TOp.B(x2, y2, m2);
            b3 += TOp.B(x3, y3, m3);
        }
        a0.StoreUnsafe(ref pa, o);
        a1.StoreUnsafe(ref pa, o + (nuint)w);
        a2.StoreUnsafe(ref pa, o + (nuint)(2 * w));
        a3.StoreUnsafe(ref pa, o + (nuint)(3 * w));
        b0.StoreUnsafe(ref pb, o);
        b1.StoreUnsafe(ref pb, o + (nuint)w);
        b2.StoreUnsafe(ref pb, o + (nuint)(2 * w));
        b3.StoreUnsafe(ref pb, o + (nuint)(3 * w));
    }

    /// <summary>accA[j] += a(x[j], y[j], m[j]), accB[j] += b(...) for one row of channels (elementwise: order-free).</summary>
    private static void AccumulateColumns<T, TOp>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> m, Span<T> accA, Span<T> accB)
        where T : unmanaged, INumber<T> where TOp : IPairTerms<T>
    {
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var w = Vector512<T>.Count;
            for (; i <= x.Length - w; i += w)
            {
                var xv = Vector512.Create(x.Slice(i, w));
                var yv = Vector512.Create(y.Slice(i, w));
                var mv = Vector512.Create(m.Slice(i, w));
                (Vector512.Create(accA.Slice(i, w)) + TOp.A(xv, yv, mv)).CopyTo(accA.Slice(i, w));
                (Vector512.Create(accB.Slice(i, w)) + TOp.B(xv, yv, mv)).CopyTo(accB.Slice(i, w));
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var w = Vector256<T>.Count;
            for (; i <= x.Length - w; i += w)
            {
                var xv = Vector256.Create(x.Slice(i, w));
                var yv = Vector256.Create(y.Slice(i, w));
                var mv = Vector256.Create(m.Slice(i, w));
                (Vector256.Create(accA.Slice(i, w)) + TOp.A(xv, yv, mv)).CopyTo(accA.Slice(i, w));
                (Vector256.Create(accB.Slice(i, w)) + TOp.B(xv, yv, mv)).CopyTo(accB.Slice(i, w));
            }
        }
        for (; i < x.Length; i++)
        {
            accA[i] += TOp.A(x[i], y[i], m[i]);
            accB[i] += TOp.B(x[i], y[i], m[i]);
        }
    }

    /// <summary>Batch mean and biased variance per channel of x viewed as [n, c, l].</summary>
    public static void BatchStats<T>(Tensor x, int n, int c, int l, Span<T> mean, Span<T> variance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var count = T.CreateTruncating((long)n * l);
        var zeros = new T[c];
        var scratch = new T[c];
        // Σx per channel: SquaredDeviation is not needed; GradTerms' A with y = x sums x.
        ChannelSums<T, GradTerms<T>>(x, x, zeros, n, c, l, mean, scratch);
        for (var ch = 0; ch < c; ch++) mean[ch] /= count;
        ChannelSums<T, SquaredDeviation<T>>(x, x, mean, n, c, l, variance, scratch);
        for (var ch = 0; ch < c; ch++) variance[ch] /= count;
    }

    /// <summary>y = x·scale[ch] + shift[ch] for x viewed as [n, c, l].</summary>
    public static void ChannelAffine<T>(Tensor x, ReadOnlySpan<T> scale, ReadOnlySpan<T> shift, int n, int c, int l, Tensor y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var sc = scale.ToArray();
        var sh = shift.ToArray();
        if (l == 1)
        {
            // Narrow rows: the per-channel vectors are repeated over a group of rows so that one call covers the group.
            var g = RowGroup(c);
            var scG = Repeat(sc, g);
            var shG = Repeat(sh, g);
            Parallelism.For(n, Math.Max(1, Parallelism.ElementwiseGrain / Math.Max(1, c)), (s, e) =>
            {
                var xs = x.Span<T>();
                var ys = y.Span<T>();
                for (var r = s; r < e; r += g)
                {
                    var len = Math.Min(g, e - r) * c;
                    TensorPrimitives.FusedMultiplyAdd(xs.Slice(r * c, len), scG.AsSpan(0, len), shG.AsSpan(0, len), ys.Slice(r * c, len));
                }
            });
            return;
        }
        Parallelism.For(n * c, Math.Max(1, Parallelism.ElementwiseGrain / l), (s, e) =>
        {
            var xs = x.Span<T>();
            var ys = y.Span<T>();
            for (var u = s; u < e; u++)
            {
                var ch = u % c;
                ScaleShift(xs.Slice(u * l, l), sc[ch], sh[ch], ys.Slice(u * l, l));
            }
        });
    }

    /// <summary>dx = dy·a[ch] + x·b[ch] + k[ch] for tensors viewed as [n, c, l].</summary>
    public static void ChannelGradAffine<T>(Tensor dy, Tensor x, ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> k, int n, int c, int l, Tensor dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var av = a.ToArray();
        var bv = b.ToArray();
        var kv = k.ToArray();
        if (l == 1)
        {
            var g = RowGroup(c);
            var aG = Repeat(av, g);
            var bG = Repeat(bv, g);
            var kG = Repeat(kv, g);
            Parallelism.For(n, Math.Max(1, Parallelism.ElementwiseGrain / Math.Max(1, c)), (s, e) =>
            {
                var gs = dy.Span<T>();
                var xs = x.Span<T>();
                var os = dx.Span<T>();
                for (var r = s; r < e; r += g)
                {
                    var len = Math.Min(g, e - r) * c;
                    var o = os.Slice(r * c, len);
                    TensorPrimitives.FusedMultiplyAdd(xs.Slice(r * c, len), bG.AsSpan(0, len), kG.AsSpan(0, len), o);
                    TensorPrimitives.FusedMultiplyAdd(gs.Slice(r * c, len), aG.AsSpan(0, len), o, o);
                }
            });
            return;
        }
        Parallelism.For(n * c, Math.Max(1, Parallelism.ElementwiseGrain / l), (s, e) =>
        {
            var gs = dy.Span<T>();
            var xs = x.Span<T>();
            var os = dx.Span<T>();
            for (var u = s; u < e; u++)
            {
                var ch = u % c;
                var o = os.Slice(u * l, l);
                ScaleShift(xs.Slice(u * l, l), bv[ch], kv[ch], o);
                TensorPrimitives.FusedMultiplyAdd(gs.Slice(u * l, l), av[ch], o, o);
            }
        });
    }

    /// <summary>Rows per call when per-channel vectors of width <paramref name="c"/> are applied to [n, c] rows (about 1,024 elements).</summary>
    private static int RowGroup(int c) => Math.Max(1, 1024 / Math.Max(1, c));

    /// <summary><paramref name="v"/> repeated <paramref name="times"/> times end to end.</summary>
    private static T[] Repeat<T>(T[] v, int times)
    {
        var r = new T[v.Length * times];
        for (var i = 0; i < times; i++) v.CopyTo(r, i * v.Length);
        return r;
    }

    /// <summary>d = x·s + t over a run.</summary>
    private static void ScaleShift<T>(ReadOnlySpan<T> x, T s, T t, Span<T> d) where T : unmanaged, INumber<T>
    {
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var w = Vector512<T>.Count;
            var sv = Vector512.Create(s);
            var tv = Vector512.Create(t);
            for (; i <= x.Length - w; i += w) (Vector512.Create(x.Slice(i, w)) * sv + tv).CopyTo(d.Slice(i));
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var w = Vector256<T>.Count;
            var sv = Vector256.Create(s);
            var tv = Vector256.Create(t);
            for (; i <= x.Length - w; i += w) (Vector256.Create(x.Slice(i, w)) * sv + tv).CopyTo(d.Slice(i));
        }
        for (; i < x.Length; i++) d[i] = x[i] * s + t;
    }

    /// <summary>Per channel: Σ dy and Σ dy·(x − mean) for x viewed as [n, c, l].</summary>
    public static void GradSums<T>(Tensor dy, Tensor x, ReadOnlySpan<T> mean, int n, int c, int l, Span<T> sumDy, Span<T> sumDyXmu)
        where T : unmanaged, INumber<T> =>
        ChannelSums<T, GradTerms<T>>(x, dy, mean, n, c, l, sumDy, sumDyXmu);
}

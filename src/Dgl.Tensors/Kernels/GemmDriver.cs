using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Dgl.Tensors.Kernels;

/// <summary>
/// Cache blocking, packing and threading around <see cref="GemmMicroKernel{T, TVec, TOps}"/>, specialised per
/// element type and vector width.
/// </summary>
/// <remarks>
/// <para>Loop structure (Goto/BLIS, written for row-major C with vectors along n):</para>
/// <code>
/// for each panel (jc over n by Nc, then pk over groups of k-slabs):
///   pack op(B)[slabs, jc] (and, when all of m fits, op(A)[all rows, slabs]) once, shared by the threads
///   for each task (a block of Mc rows × a group of NR-wide slivers), claimed dynamically by the threads:
///     for each k-slab of the panel: pack op(A)[rows, slab] thread-locally (unless shared, or read in place), then
///       short slabs: for each MR-row tile, for each sliver: micro-kernel (C written row by row)
///       deep slabs:  for each sliver, for each MR-row tile: micro-kernel (B sliver reused across the tiles)
/// </code>
/// <para>Matrix-vector products (m = 1 or n = 1) stream the matrix in place (GemmGemv.cs). Products of at most
/// <see cref="GemmBuffers.SmallWork"/> multiply-adds run on one thread with no packing
/// except of a transposed B. C narrower than a vector is computed as Cᵀ = op(B)ᵀ·op(A)ᵀ where that fills the
/// vectors better.</para>
/// <para>Determinism: k is cut into slabs whose sizes depend on k alone; each element of C is a chain of fused
/// multiply-adds over its slab in k order, added to C slab after slab. Neither the thread count, the task split,
/// the tile or orientation that covers an element, nor packing changes those operations, so the bits do not change.</para>
/// <para>Threads share a pair of panel buffers (ping-pong): while some still compute on panel i, others pack
/// panel i+1. A task of panel i waits for the same task of panel i-1 when both add into the same block of C.</para>
/// </remarks>
internal static unsafe partial class GemmDriver<T, TVec, TOps>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TVec : struct
    where TOps : IGemmVector<TVec, T>
{
    /// <summary>Deepest k-slab: an MR×kc A sliver stays in L1 and an Mc×kc A block in L2.</summary>
    private static int KcMax => GemmBuffers.SlabBytes / sizeof(T);

    /// <summary>Most rows of op(A) packed at once (the A block per thread, Mc×kc, is kept in L2).</summary>
    private static int McMax => GemmBuffers.ABlockBytes / GemmBuffers.SlabBytes / TOps.Rows * TOps.Rows;

    /// <summary>Elements of a shared packed-B panel.</summary>
    private static int PanelElems => GemmBuffers.PanelBytes / sizeof(T);

    private static int NR => TOps.MaxVectors * TOps.Lanes;

    /// <summary>Computes C = α·op(A)·op(B) + β·C for m, n, k ≥ 1 and α ≠ 0 (the caller handles the rest).</summary>
    public static void Run(bool transA, bool transB, int m, int n, int k, T alpha, T* a, nint lda, T* b, nint ldb,
        T beta, T* c, nint ldc)
    {
        var slabs = (k + KcMax - 1) / KcMax;
        var kc = (k + slabs - 1) / slabs;
        var first = beta == T.Zero ? GemmStore.Overwrite : beta == T.One ? GemmStore.Accumulate : GemmStore.Scale;
        if (m == 1 || n == 1)
        {
            Gemv(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, first);
            return;
        }
        if ((long)m * n * k <= GemmBuffers.SmallWork && (long)m * n <= GemmBuffers.SmallOutput)
        {
            // C narrower than a vector wastes most lanes; Cᵀ = op(B)ᵀ·op(A)ᵀ puts m along the vectors instead.
            // Every element still sums the same products in the same order, so the bits do not change.
            if (n < TOps.Lanes && m >= TOps.Lanes)
                Small(!transB, !transA, n, m, k, kc, alpha, b, ldb, a, lda, beta, c, 1, ldc, first);
            else
                Small(transA, transB, m, n, k, kc, alpha, a, lda, b, ldb, beta, c, ldc, 1, first);
            return;
        }
        // A transposed A with C at most a vector wide: packing op(A) reads a few elements from each row of A, so
        // compute Cᵀ = op(B)ᵀ·op(A)ᵀ instead, whose packing reads A's rows whole (same bits, as above).
        var job = transA && n <= TOps.Lanes && m >= 4 * TOps.Lanes
            ? new Job(!transB, false, n, m, k, kc, alpha, b, ldb, a, lda, beta, c, 1, ldc, first)
            : new Job(transA, transB, m, n, k, kc, alpha, a, lda, b, ldb, beta, c, ldc, 1, first);
        job.Execute();
    }

    /// <summary>
    /// Problems that fit in L1/L2: one thread, op(A) and row-major B read in place; only a transposed B or a
    /// ragged right edge of B is packed, one sliver at a time. Element (i, j) of C is c[i·ldc + j·cs].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Small(bool transA, bool transB, int m, int n, int k, int kc, T alpha, T* a, nint lda,
        T* b, nint ldb, T beta, T* c, nint ldc, nint cs, GemmStore first)
    {
        var mr = TOps.Rows;
        var w = TOps.Lanes;
        var pack = (T*)GemmBuffers.SmallPack();
        var (ars, aps) = transA ? ((nint)1, lda) : (lda, (nint)1);
        for (var p0 = 0; p0 < k; p0 += kc)
        {
            var ks = Math.Min(kc, k - p0);
            var mode = p0 == 0 ? first : GemmStore.Accumulate;
            for (var j0 = 0; j0 < n; j0 += NR)
            {
                var cols = Math.Min(NR, n - j0);
                var nv = (cols + w - 1) / w;
                T* bp;
                nint bps;
                if (!transB && cols == nv * w)
                {
                    bp = b + p0 * ldb + j0;
                    bps = ldb;
                }
                else
                {
                    PackB(transB, b, ldb, p0, ks, j0, cols, nv * w, pack);
                    bp = pack;
                    bps = nv * w;
                }
                for (var i0 = 0; i0 < m; i0 += mr)
                {
                    var ap = transA ? a + p0 * lda + i0 : a + i0 * lda + p0;
                    GemmMicroKernel<T, TVec, TOps>.Tile(nv, ap, ars, aps, bp, bps, ks, c + i0 * ldc + j0 * cs, ldc, cs,
                        Math.Min(mr, m - i0), cols, alpha, beta, mode);
                }
            }
        }
    }

    /// <summary>
    /// Packs rows [i0, i0+rows) × columns [p0, p0+ks) of op(A) into MR-row slivers, each laid out p-major
    /// (dst[sliver·ks·MR + p·MR + r]); rows of the last sliver past <paramref name="rows"/> are left unwritten
    /// (the kernel never reads them).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA(bool transA, T* a, nint lda, int i0, int rows, int p0, int ks, T* dst)
    {
        if (transA)
        {
            PackATransposed(a, lda, i0, rows, p0, ks, 0, ks, dst);
            return;
        }
        // op(A)[i, p] = A[i, p]: each sliver is a transpose of MR rows.
        var mr = TOps.Rows;
        for (var s = 0; s < rows; s += mr)
            GemmTranspose.Copy(a + (i0 + s) * lda + p0, lda, Math.Min(mr, rows - s), ks, dst + (nint)s * ks, mr);
    }

    /// <summary>
    /// The k-rows [r0, r1) of <see cref="PackA"/> for a transposed A (stored k×m), where op(A)[i, p] = A[p, i]: row p
    /// of A holds the p-th entry of every sliver, so each row is read once, left to right. Read sliver by sliver
    /// instead, the rows' pieces would be short strided reads that wait on memory.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackATransposed(T* a, nint lda, int i0, int rows, int p0, int ks, int r0, int r1, T* dst)
    {
        var mr = TOps.Rows;
        var full = rows / mr * mr;
        for (var p = r0; p < r1; p++)
        {
            var src = a + (p0 + p) * lda + i0;
            var d = dst + p * mr;
            for (var s = 0; s < full; s += mr) CopyRun(d + (nint)s * ks, src + s, mr);
            for (var r = full; r < rows; r++) d[(nint)full * ks + r - full] = src[r];
        }
    }

    /// <summary>
    /// Packs op(B)[p0..p0+ks, j0..j0+cols) as one sliver laid out p-major with row stride <paramref name="width"/>
    /// (≥ cols, a whole number of vectors); the columns past cols are zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB(bool transB, T* b, nint ldb, int p0, int ks, int j0, int cols, int width, T* dst)
    {
        if (!transB)
        {
            var src = b + (nint)p0 * ldb + j0;
            for (var p = 0; p < ks; p++, src += ldb, dst += width)
            {
                CopyRun(dst, src, cols);
                for (var j = cols; j < width; j++) dst[j] = T.Zero;
            }
            return;
        }
        // op(B)[p, j] = B[j, p]: a transpose.
        GemmTranspose.Copy(b + j0 * ldb + p0, ldb, cols, ks, dst, width);
        if (cols < width)
        {
            for (var p = 0; p < ks; p++)
                for (var j = cols; j < width; j++) dst[p * width + j] = T.Zero;
        }
    }

    /// <summary>
    /// Packs rows [r0, r1) of the slab op(B)[p0..p0+ks, j0..j0+width) for a row-major B into every sliver of the
    /// slab (laid out as <see cref="PackB"/> lays out one sliver, at slab + j·ks·NR).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackBRows(T* b, nint ldb, int p0, int ks, int r0, int r1, int j0, int width, T* slab)
    {
        var full = width / NR;
        var rest = width - full * NR;
        var restWidth = (rest + TOps.Lanes - 1) / TOps.Lanes * TOps.Lanes;
        for (var p = r0; p < r1; p++)
        {
            var src = b + (p0 + p) * ldb + j0;
            var d = slab + (nint)p * NR;
            for (var j = 0; j < full; j++, src += NR, d += (nint)ks * NR)
                CopyRun(d, src, NR);
            if (rest > 0)
            {
                d = slab + (nint)full * ks * NR + (nint)p * restWidth;
                CopyRun(d, src, rest);
                for (var j = rest; j < restWidth; j++) d[j] = T.Zero;
            }
        }
    }

    /// <summary>Copies a short run (a sliver's row, a few vectors) with vector moves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRun(T* dst, T* src, int count)
    {
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + Vector512<T>.Count <= count; i += Vector512<T>.Count) Vector512.Load(src + i).Store(dst + i);
        }
        for (; i + Vector256<T>.Count <= count; i += Vector256<T>.Count) Vector256.Load(src + i).Store(dst + i);
        for (; i < count; i++) dst[i] = src[i];
    }

    /// <summary>One blocked multiplication: its panels, tasks and the counters its threads coordinate through.</summary>
    private sealed class Job
    {
        private readonly bool _transA, _transB;
        private readonly int _m, _n, _k, _kc, _slabs;
        private readonly T _alpha, _beta;
        private readonly T* _a, _b, _c;
        private readonly nint _lda, _ldb, _ldc, _cs;
        private readonly GemmStore _first;

        /// <summary>Whether op(A)'s k-slabs are packed once per panel for all rows, shared by the threads, instead of
        /// block by block inside each task. Chosen when all of m fits: products with a long k and few rows.</summary>
        private readonly bool _shareA;

        private readonly int _nc, _slabsPerPanel, _pkCount, _panels, _ncStride, _mStride;
        private readonly int _mc, _mBlocks, _desiredTasks;
        private readonly int[] _packNext, _packDone, _taskNext, _taskDone, _lastPanel;
        private readonly int _workers;
        private T* _buf0, _buf1;

        public Job(bool transA, bool transB, int m, int n, int k, int kc, T alpha, T* a, nint lda, T* b, nint ldb,
            T beta, T* c, nint ldc, nint cs, GemmStore first)
        {
            (_transA, _transB, _m, _n, _k, _kc) = (transA, transB, m, n, k, kc);
            (_alpha, _beta, _lda, _ldb, _ldc, _cs, _first) = (alpha, beta, lda, ldb, ldc, cs, first);
            _a = a;
            _b = b;
            _c = c;
            var w = TOps.Lanes;
            var mr = TOps.Rows;
            _slabs = (k + kc - 1) / kc;
            _mStride = RoundUp(m, mr);
            _shareA = (long)_mStride * kc <= PanelElems / 2;
            var aPerRow = _shareA ? _mStride : 0;
            var nW = RoundUp(n, w);
            if ((long)_slabs * kc * (nW + aPerRow) <= PanelElems)
            {
                (_nc, _slabsPerPanel) = (n, _slabs);
            }
            else if ((long)kc * (nW + aPerRow) <= PanelElems)
            {
                (_nc, _slabsPerPanel) = (n, PanelElems / (kc * (nW + aPerRow)));
            }
            else
            {
                (_nc, _slabsPerPanel) = (Math.Max(NR, (PanelElems / kc - aPerRow) / NR * NR), 1);
            }
            _ncStride = RoundUp(_nc, w);
            _pkCount = (_slabs + _slabsPerPanel - 1) / _slabsPerPanel;
            _panels = (n + _nc - 1) / _nc * _pkCount;

            // Tasks are blocks of rows (of at most McMax, fewer when that leaves too few tasks to balance), split
            // further by columns when m is short. Products this big (above SmallWork) pay for waking threads.
            var threads = Parallelism.MaxThreads;
            _desiredTasks = threads == 1 ? 1 : 4 * threads;
            _mc = Math.Min(McMax, Math.Max(4 * mr, RoundUp((m + _desiredTasks - 1) / _desiredTasks, mr)));
            _mc = Math.Min(_mc, _mStride);
            _mBlocks = (m + _mc - 1) / _mc;
            // Split is not monotone in the sliver count (5 slivers for 4 groups make 3 groups of 2; 4 make 4 of 1), so
            // the narrower last column panel can have more tasks than a full one: size for the larger of the two.
            var lastWidth = n - (n - 1) / _nc * _nc;
            var maxTasks = _mBlocks * Math.Max(Split((_nc + NR - 1) / NR).Groups, Split((lastWidth + NR - 1) / NR).Groups);
            _workers = Math.Min(threads, maxTasks);
            _packNext = new int[_panels];
            _packDone = new int[_panels];
            _taskNext = new int[_panels];
            _taskDone = new int[_panels];
            _lastPanel = new int[maxTasks];
            Array.Fill(_lastPanel, -1);
        }

        public void Execute()
        {
            var buffers = GemmBuffers.RentPanels();
            try
            {
                _buf0 = (T*)buffers.First;
                _buf1 = (T*)buffers.Second;
                if (_workers == 1) Work();
                else Parallelism.ForChunks(_workers, _ => Work());
            }
            finally
            {
                GemmBuffers.ReturnPanels(buffers);
            }
        }

        private static int RoundUp(int x, int to) => (x + to - 1) / to * to;

        /// <summary>Columns [j0, j0+width) of the panel's share of n.</summary>
        private (int J0, int Width) PanelColumns(int panel)
        {
            var j0 = panel / _pkCount * _nc;
            return (j0, Math.Min(_nc, _n - j0));
        }

        private (int Groups, int SliversPerGroup) Split(int slivers)
        {
            var groups = Math.Min(slivers, Math.Max(1, (_desiredTasks + _mBlocks - 1) / _mBlocks));
            var per = (slivers + groups - 1) / groups;
            return ((slivers + per - 1) / per, per);
        }

        private int TaskCount(int panel) => _mBlocks * Split((PanelColumns(panel).Width + NR - 1) / NR).Groups;

        /// <summary>Packed B slab <paramref name="ls"/> of a panel buffer; the shared A slabs follow the B slabs.</summary>
        private T* BSlab(T* buf, int ls) => buf + (nint)ls * _kc * _ncStride;

        private T* ASlab(T* buf, int ls) => buf + (nint)_slabsPerPanel * _kc * _ncStride + (nint)ls * _kc * _mStride;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Work()
        {
            var abuf = (T*)GemmBuffers.ABlock();
            var chunks = (_kc + GemmBuffers.PackRows - 1) / GemmBuffers.PackRows;
            for (var i = 0; i < _panels; i++)
            {
                var buf = (i & 1) == 0 ? _buf0 : _buf1;
                var (j0, width) = PanelColumns(i);
                var slivers = (width + NR - 1) / NR;
                var pk = i % _pkCount;
                var s0 = pk * _slabsPerPanel;
                var slabCount = Math.Min(_slabsPerPanel, _slabs - s0);
                var (groups, perGroup) = Split(slivers);
                var tasks = _mBlocks * groups;

                // The buffer was last used by panel i-2: wait until nobody computes on it any more.
                if (i >= 2) WaitFor(ref _taskDone[i - 2], TaskCount(i - 2));

                // Pack the panel, claiming units of work. A transposed B is packed sliver by sliver (each reads NR
                // rows of B along k); a row-major B in runs of k rows across the panel width, so that each row of B
                // is read in one sequential sweep. A shared op(A) likewise: a transposed A by runs of k rows, a
                // row-major A by groups of slivers.
                var bUnits = _transB ? slivers : chunks;
                var aUnits = !_shareA ? 0 : _transA ? chunks : (_mStride / TOps.Rows + GemmBuffers.PackASlivers - 1) / GemmBuffers.PackASlivers;
                var perSlab = bUnits + aUnits;
                var units = slabCount * perSlab;
                int u;
                while ((u = Interlocked.Increment(ref _packNext[i]) - 1) < units)
                {
                    PackUnit(buf, u / perSlab, u % perSlab, bUnits, s0, j0, width);
                    Interlocked.Increment(ref _packDone[i]);
                }
                WaitFor(ref _packDone[i], units);

                int t;
                while ((t = Interlocked.Increment(ref _taskNext[i]) - 1) < tasks)
                {
                    if (pk > 0) WaitFor(ref _lastPanel[t], i - 1);
                    RunTask(t / groups, t % groups, perGroup, slivers, j0, width, s0, slabCount, buf, abuf);
                    RaiseTo(ref _lastPanel[t], i);
                    Interlocked.Increment(ref _taskDone[i]);
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void PackUnit(T* buf, int ls, int unit, int bUnits, int s0, int j0, int width)
        {
            var p0 = (s0 + ls) * _kc;
            var ks = Math.Min(_kc, _k - p0);
            if (unit < bUnits)
            {
                var slab = BSlab(buf, ls);
                if (_transB)
                {
                    var cols = Math.Min(NR, width - unit * NR);
                    PackB(true, _b, _ldb, p0, ks, j0 + unit * NR, cols, RoundUp(cols, TOps.Lanes), slab + (nint)unit * ks * NR);
                }
                else
                {
                    var r0 = unit * GemmBuffers.PackRows;
                    PackBRows(_b, _ldb, p0, ks, r0, Math.Min(ks, r0 + GemmBuffers.PackRows), j0, width, slab);
                }
                return;
            }
            if (_transA)
            {
                var r0 = (unit - bUnits) * GemmBuffers.PackRows;
                PackATransposed(_a, _lda, 0, _m, p0, ks, r0, Math.Min(ks, r0 + GemmBuffers.PackRows), ASlab(buf, ls));
            }
            else
            {
                var i0 = (unit - bUnits) * GemmBuffers.PackASlivers * TOps.Rows;
                PackA(false, _a, _lda, i0, Math.Min(GemmBuffers.PackASlivers * TOps.Rows, _m - i0), p0, ks, ASlab(buf, ls) + (nint)i0 * ks);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void RunTask(int mBlock, int group, int perGroup, int slivers, int j0, int width, int s0, int slabCount, T* buf, T* abuf)
        {
            var mr = TOps.Rows;
            var w = TOps.Lanes;
            var i0 = mBlock * _mc;
            var rows = Math.Min(_mc, _m - i0);
            var js = group * perGroup;
            var je = Math.Min(slivers, js + perGroup);
            // Packing a row-major A pays when the block is reused across several slivers; with one or two (narrow n)
            // the kernel reads its rows in place and saves a pass over it. A transposed A is always packed: in place,
            // each k step would touch a new row of A for a few elements.
            var packA = _transA || je - js >= GemmBuffers.PackAMinSlivers;
            for (var ls = 0; ls < slabCount; ls++)
            {
                var p0 = (s0 + ls) * _kc;
                var ks = Math.Min(_kc, _k - p0);
                var mode = p0 == 0 ? _first : GemmStore.Accumulate;
                var slab = BSlab(buf, ls);
                T* ap;
                nint ars, aps, tileStep;
                if (_shareA || packA)
                {
                    if (_shareA)
                    {
                        ap = ASlab(buf, ls) + (nint)i0 * ks;
                    }
                    else
                    {
                        PackA(_transA, _a, _lda, i0, rows, p0, ks, abuf);
                        ap = abuf;
                    }
                    (ars, aps, tileStep) = (1, mr, (nint)mr * ks);
                }
                else
                {
                    ap = _a + i0 * _lda + p0;
                    (ars, aps, tileStep) = (_lda, 1, mr * _lda);
                }
                var bytesB = (long)ks * (je - js) * NR * sizeof(T);
                if (bytesB <= GemmBuffers.RowMajorTilesBytes)
                {
                    // Short slabs: the task's share of the B slab stays in L2, and sweeping it once per row tile
                    // writes C row by row (whole runs of a row instead of 48-wide pieces revisited per sliver).
                    var at = ap;
                    for (var r = 0; r < rows; r += mr, at += tileStep)
                    {
                        var cp = _c + (i0 + r) * _ldc + (j0 + js * NR) * _cs;
                        var bp = slab + (nint)js * ks * NR;
                        for (var j = js; j < je; j++, bp += (nint)ks * NR, cp += NR * _cs)
                        {
                            var cols = Math.Min(NR, width - j * NR);
                            var nv = (cols + w - 1) / w;
                            GemmMicroKernel<T, TVec, TOps>.Tile(nv, at, ars, aps, bp, nv * w, ks, cp, _ldc, _cs,
                                Math.Min(mr, rows - r), cols, _alpha, _beta, mode);
                        }
                    }
                }
                else
                {
                    // Deep slabs: each B sliver is reused from L1/L2 by every row tile of the block.
                    for (var j = js; j < je; j++)
                    {
                        var cols = Math.Min(NR, width - j * NR);
                        var nv = (cols + w - 1) / w;
                        var bp = slab + (nint)j * ks * NR;
                        var cp = _c + i0 * _ldc + (j0 + j * NR) * _cs;
                        var at = ap;
                        for (var r = 0; r < rows; r += mr, at += tileStep, cp += mr * _ldc)
                        {
                            GemmMicroKernel<T, TVec, TOps>.Tile(nv, at, ars, aps, bp, nv * w, ks, cp, _ldc, _cs,
                                Math.Min(mr, rows - r), cols, _alpha, _beta, mode);
                        }
                    }
                }
            }
        }

        /// <summary>Spins (yielding) until <paramref name="counter"/> reaches <paramref name="value"/>.</summary>
        private static void WaitFor(ref int counter, int value)
        {
            if (Volatile.Read(ref counter) >= value) return;
            var spin = default(SpinWait);
            while (Volatile.Read(ref counter) < value) spin.SpinOnce(sleep1Threshold: -1);
        }

        /// <summary>
        /// Records that a task finished panel <paramref name="panel"/>. A slow thread may still finish the same
        /// task of an earlier column panel afterwards, so the record only ever moves up.
        /// </summary>
        private static void RaiseTo(ref int location, int panel)
        {
            int current;
            while ((current = Volatile.Read(ref location)) < panel && Interlocked.CompareExchange(ref location, panel, current) != current)
            {
            }
        }
    }
}

/// <summary>
/// Sizes that tune the GEMM to the cache hierarchy, and its packing buffers: one A block per thread (thread-static)
/// and a pool of shared B panel pairs, each allocated once at its largest size, pinned and 64-byte aligned.
/// </summary>
internal static unsafe class GemmBuffers
{
    /// <summary>Bytes of one row of a k-slab in a sliver (kc·sizeof(T)): 512 floats.</summary>
    public const int SlabBytes = 2048;

    /// <summary>Bytes of a thread's packed A block (Mc·kc·sizeof(T)), half of a 1–2 MiB L2.</summary>
    public const int ABlockBytes = 256 * 1024;

    /// <summary>Bytes of one shared packed-B panel (L3-resident).</summary>
    public const int PanelBytes = 4 * 1024 * 1024;

    /// <summary>
    /// m·n·k at or below which the single-threaded in-place path runs (about 20 µs of work, where packing would
    /// cost more than cache misses on unpacked operands: 128³ runs 25% faster in place).
    /// </summary>
    public const long SmallWork = 1L << 21;

    /// <summary>Largest C (elements) for the in-place path: it stores C in 48-wide strips, which pays only while C
    /// stays in L2.</summary>
    public const long SmallOutput = 1L << 15;

    /// <summary>Bytes of the per-thread buffer that the small path packs B slivers into (kc·NR elements).</summary>
    public const int SmallPackBytes = SlabBytes * 64;

    /// <summary>Largest B slab share (bytes) for which tiles run row tile by row tile rather than sliver by sliver.</summary>
    public const long RowMajorTilesBytes = 512 * 1024;

    /// <summary>Rows of a row-major B packed per claimed unit of work.</summary>
    public const int PackRows = 32;

    /// <summary>MR-row slivers of a shared row-major A packed per claimed unit of work.</summary>
    public const int PackASlivers = 8;

    /// <summary>Fewest slivers per task for which packing A pays.</summary>
    public const int PackAMinSlivers = 3;

    [ThreadStatic] private static byte[]? t_aBlock;
    [ThreadStatic] private static byte[]? t_smallPack;
    private static Panels? s_panels;

    /// <summary>This thread's A block buffer.</summary>
    public static byte* ABlock() => Aligned(t_aBlock ??= Allocate(ABlockBytes));

    /// <summary>This thread's small-path B sliver buffer.</summary>
    public static byte* SmallPack() => Aligned(t_smallPack ??= Allocate(SmallPackBytes));

    /// <summary>Takes a pair of panel buffers from the pool (allocating when another call holds the pooled one).</summary>
    public static Panels RentPanels() => Interlocked.Exchange(ref s_panels, null) ?? new Panels(Allocate(PanelBytes), Allocate(PanelBytes));

    public static void ReturnPanels(Panels panels) => Volatile.Write(ref s_panels, panels);

    private static byte[] Allocate(int bytes) => GC.AllocateUninitializedArray<byte>(bytes + 64, pinned: true);

    private static byte* Aligned(byte[] array)
    {
        var p = (byte*)Unsafe.AsPointer(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(array));
        return (byte*)(((nint)p + 63) & ~(nint)63);
    }

    /// <summary>A pair of pinned panel buffers.</summary>
    public sealed class Panels(byte[] first, byte[] second)
    {
        public byte* First => Aligned(first);

        public byte* Second => Aligned(second);
    }
}

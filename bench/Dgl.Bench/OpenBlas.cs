using System.Runtime.InteropServices;

namespace Dgl.Bench;

/// <summary>
/// OpenBLAS's <c>cblas_sgemm</c>, loaded from Debian's pthread build by full path so that the library uses the thread
/// count we set and nothing else on the machine is picked up by accident. Used by benchmarks only.
/// </summary>
internal sealed unsafe class OpenBlas
{
    public const string Path = "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0";

    private const int RowMajor = 101, NoTrans = 111, Trans = 112;

    private readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> _sgemm;
    private readonly delegate* unmanaged<int, void> _setThreads;
    private readonly delegate* unmanaged<byte*> _config;

    private OpenBlas(nint handle)
    {
        _sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)NativeLibrary.GetExport(handle, "cblas_sgemm");
        _setThreads = (delegate* unmanaged<int, void>)NativeLibrary.GetExport(handle, "openblas_set_num_threads");
        _config = (delegate* unmanaged<byte*>)NativeLibrary.GetExport(handle, "openblas_get_config");
    }

    /// <summary>The library, or null with the reason and the way to install it.</summary>
    public static OpenBlas? TryLoad(out string? why)
    {
        why = null;
        if (!File.Exists(Path))
        {
            why = $"OpenBLAS not found at {Path}; install the peer with bench/install-peers.sh (apt-get install libopenblas0-pthread). Reporting ours only.";
            return null;
        }
        try
        {
            return new OpenBlas(NativeLibrary.Load(Path));
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException or EntryPointNotFoundException)
        {
            why = $"OpenBLAS at {Path} could not be loaded ({e.Message}); reinstall it with bench/install-peers.sh. Reporting ours only.";
            return null;
        }
    }

    /// <summary>Build string (version, target kernel, threading), for the notes under the table.</summary>
    public string Config => Marshal.PtrToStringUTF8((nint)_config()) ?? "?";

    public void SetThreads(int threads) => _setThreads(threads);

    /// <summary>Row-major C = α·op(A)·op(B) + β·C, with the same arguments as <c>Gemm.Sgemm</c>.</summary>
    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb,
        float beta, float* c, int ldc) =>
        _sgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

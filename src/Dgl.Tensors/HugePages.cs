using System.Runtime.InteropServices;

namespace Dgl.Tensors;

/// <summary>
/// Asks Linux to back large tensor storage with transparent huge pages (2 MiB) instead of 4 KiB ones, where the
/// system leaves that to the program (<c>/sys/kernel/mm/transparent_hugepage/enabled</c> = <c>madvise</c>, the
/// default of many distributions). PyTorch's CPU allocator (since 2.x) offers the same for buffers of 2 MiB and up,
/// opt-in (<c>C10_THP_MEM_ALLOC_ENABLE=1</c>); here it is on unless turned off, since no run measured here lost by it.
/// </summary>
/// <remarks>
/// <para>The GC hands freed large-object memory back to the OS, so a new multi-MB tensor usually meets pages never
/// touched in this process, and its first write faults every 4 KiB page in: measured here, writing a fresh 512 MiB
/// tensor took 220 ms with 131,000 faults, and 48 ms with 780 faults once advised. That was most of the time of an
/// op-level g-SpMM backward on 20M edges (F = 128) whose kernel alone takes 210 ms.</para>
/// <para>Set <c>DGL_HUGE_PAGES=0</c> to turn this off. On other systems, or where the call fails, nothing is done.</para>
/// </remarks>
internal static partial class HugePages
{
    /// <summary>The size from which callers advise storage (it then holds at least one whole aligned huge page).</summary>
    public const long MinBytes = 4L << 20;

    private const int MadvHugePage = 14;
    private const long HugePageBytes = 2L << 20;

    private static volatile bool s_enabled = OperatingSystem.IsLinux()
        && Environment.GetEnvironmentVariable("DGL_HUGE_PAGES") is not "0";

    /// <summary>Whether advice is given (Linux, not turned off, and the call has worked so far).</summary>
    public static bool Enabled => s_enabled;

    /// <summary>Advises the whole 2 MiB pages inside <paramref name="bytes"/> bytes from <paramref name="address"/>.
    /// Call it before the memory is first written: pages already present stay as they are.</summary>
    public static void Advise(nint address, long bytes)
    {
        if (!s_enabled) return;
        var start = (address + (nint)(HugePageBytes - 1)) & ~(nint)(HugePageBytes - 1);
        var end = (address + (nint)bytes) & ~(nint)(HugePageBytes - 1);
        if (end <= start) return;
        try
        {
            // A failure (EINVAL: a kernel without THP) only means 4 KiB pages; stop asking.
            if (Madvise(start, (nuint)(end - start), MadvHugePage) != 0) s_enabled = false;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            s_enabled = false;
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}

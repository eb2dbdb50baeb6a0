using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Dgl.Sparse.Kernels;

namespace Dgl.Tests.Sparse;

/// <summary>
/// Simd.LoadPartial: the first count lanes from memory, zeros after, and not one byte read past the row. Each row ends
/// exactly where an inaccessible page begins, so a wider load than the row faults the test process.
/// </summary>
public unsafe partial class SimdLoadTests
{
    private const int ProtNone = 0, ProtRead = 1, ProtWrite = 2, MapPrivate = 2, MapAnonymous = 0x20;

    [LibraryImport("libc", EntryPoint = "mmap")]
    private static partial nint Mmap(nint addr, nuint length, int prot, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "mprotect")]
    private static partial int Mprotect(nint addr, nuint length, int prot);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Munmap(nint addr, nuint length);

    [Fact]
    public void LoadsEveryShortRowExactlyUpToAGuardPage()
    {
        const int page = 4096;
        var region = Mmap(0, 2 * page, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
        Assert.NotEqual(-1, (long)region);
        try
        {
            Assert.Equal(0, Mprotect(region + page, page, ProtNone));
            var end = (byte*)region + page;
            for (var count = 1; count <= 16; count++)
            {
                var row = (float*)end - count;
                for (var i = 0; i < count; i++) row[i] = 1.5f + i;
                var v = Simd.LoadPartial(row, Simd.LaneMask<float>(count), count);
                for (var i = 0; i < 16; i++) Assert.Equal(i < count ? 1.5f + i : 0f, v[i]);
            }
            for (var count = 1; count <= 8; count++)
            {
                var row = (double*)end - count;
                for (var i = 0; i < count; i++) row[i] = -2.25 * (i + 1);
                var v = Simd.LoadPartial(row, Simd.LaneMask<double>(count), count);
                for (var i = 0; i < 8; i++) Assert.Equal(i < count ? -2.25 * (i + 1) : 0.0, v[i]);
            }
        }
        finally
        {
            Munmap(region, 2 * page);
        }
    }
}

namespace Dgl.Tests.Graph;

public class EdgeKeyTests
{
    [Fact]
    public void PacksBothIdsAndComparesByValue()
    {
        foreach (var (u, v) in new[] { (0, 0), (1, 2), (2, 1), (int.MaxValue, 7), (7, int.MaxValue), (123_456, 654_321) })
        {
            var key = EdgeKey.Of(u, v);
            Assert.Equal(u, (int)(key >> 32));
            Assert.Equal(v, (int)(uint)key);
            Assert.True(EdgeKey.Comparer.Equals(key, EdgeKey.Of(u, v)));
            Assert.Equal(EdgeKey.Comparer.GetHashCode(key), EdgeKey.Comparer.GetHashCode(EdgeKey.Of(u, v)));
        }
        Assert.False(EdgeKey.Comparer.Equals(EdgeKey.Of(1, 2), EdgeKey.Of(2, 1)));
    }

    [Fact]
    public void SpreadsTheEdgesOfAGraphOverDistinctHashCodes()
    {
        // All pairs of 300 nodes: the default long hash folds the halves with XOR (u ^ v) and gives at most 512
        // distinct codes, so a hash set of a graph's edges degrades to long chains; the comparer must not.
        var codes = new HashSet<int>();
        var folded = new HashSet<int>();
        for (var u = 0; u < 300; u++)
        {
            for (var v = 0; v < 300; v++)
            {
                codes.Add(EdgeKey.Comparer.GetHashCode(EdgeKey.Of(u, v)));
                folded.Add(EdgeKey.Of(u, v).GetHashCode());
            }
        }
        Assert.True(folded.Count <= 512, $"the default hash gave {folded.Count} codes");
        Assert.True(codes.Count >= 89_900, $"only {codes.Count} distinct hash codes for 90,000 pairs");
    }
}

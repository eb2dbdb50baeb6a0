namespace Dgl.Data.Tests.Datasets;

public class RdfEntitiesTests
{
    [DataTheory("rgcn_aifb")]
    [InlineData("rgcn_aifb/aifb_stripped.nt.gz")]
    [InlineData("rgcn_aifb/aifb-fixed_complete.n3")]
    public void AifbMatchesDglStatistics(string file)
    {
        var d = RdfEntities.Build(RdfReader.Read(TestData.PathOf(file)), new RdfEntities.AifbRules(), TestData.PathOf("rgcn_aifb"), insertReverse: true);
        // DGL's AIFBDataset: 7262 nodes, 48810 edges with reverse edges, 140 / 36 labelled persons, 4 classes.
        Assert.Equal(7262, d.NodeType.Length);
        Assert.Equal(48810, d.Src.Length);
        Assert.Equal((140, 36, 4), (d.TrainIdx.Length, d.TestIdx.Length, d.NumClasses));
        Assert.Empty(d.TrainIdx.Intersect(d.TestIdx));
        Assert.All(d.TrainIdx.Concat(d.TestIdx), i => Assert.InRange(d.Labels[i], 0, 3));
        Assert.DoesNotContain(d.EdgeTypes, e => e.Contains("affiliation", StringComparison.Ordinal) || e.Contains("employs", StringComparison.Ordinal));
    }

    [DataFact("rgcn_mutag/mutag_stripped.nt.gz")]
    public void MutagMatchesDglStatistics()
    {
        var d = RdfEntities.Build(RdfReader.Read(TestData.PathOf("rgcn_mutag/mutag_stripped.nt.gz")), new RdfEntities.MutagRules(), TestData.PathOf("rgcn_mutag"), insertReverse: true);
        Assert.Equal(27163, d.NodeType.Length);
        Assert.Equal(148100, d.Src.Length);
        Assert.Equal((272, 68, 2), (d.TrainIdx.Length, d.TestIdx.Length, d.NumClasses));
    }
}

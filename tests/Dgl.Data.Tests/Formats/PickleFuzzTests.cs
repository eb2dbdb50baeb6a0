namespace Dgl.Data.Tests.Formats;

/// <summary>Mutated pickles and torch files: each parses or raises <see cref="Dgl.Tensors.IO.DataFormatException"/>.</summary>
public class PickleFuzzTests
{
    [Fact]
    public void MutatedCPythonPickles()
    {
        for (var p = 0; p < PickleFixtures.Protocols.Length; p++)
            Fuzz.Run(Convert.FromBase64String(PickleFixtures.Protocols[p]), 1000, 100 + p, b => Pickle.Load(b, "fuzz.pkl"));
    }

    [Fact]
    public void MutatedTorchFiles()
    {
        Fuzz.Run(Convert.FromBase64String(PickleFixtures.TorchLegacy), 1500, 200, b => TorchFile.Load(b, "fuzz.pt"));
        Fuzz.Run(Convert.FromBase64String(PickleFixtures.TorchZip), 1500, 201, b => TorchFile.Load(b, "fuzz.pt"));
    }

    [DataFact("planetoid/cora")]
    public void MutatedPlanetoidPickles()
    {
        foreach (var (name, seed) in new[] { ("x", 300), ("y", 301), ("graph", 302), ("tx", 303) })
        {
            var bytes = File.ReadAllBytes(TestData.PathOf($"planetoid/cora/ind.cora.{name}"));
            Fuzz.Run(bytes, name == "graph" ? 200 : 400, seed, b => Pickle.Load(b, name));
        }
    }

    [DataFact("ogb/ogbl_ddi/split/target/valid.pt")]
    public void MutatedOgbSplitFile()
    {
        var bytes = File.ReadAllBytes(TestData.PathOf("ogb/ogbl_ddi/split/target/valid.pt"));
        Fuzz.Run(bytes, 12, 400, b => TorchFile.Load(b, "valid.pt"));
    }
}

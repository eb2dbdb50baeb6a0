using System.Text.RegularExpressions;
using Dgl.Tensors.IO;

namespace Dgl.Data;

/// <summary>An RDF entity-classification graph after DGL's preprocessing, before it becomes a heterograph.</summary>
/// <remarks>Nodes are numbered globally in order of first appearance; <see cref="NodeType"/> gives each node's type
/// (an index into <see cref="NodeTypes"/>). Edges carry a relation index into <see cref="EdgeTypes"/>; with reverse
/// edges, relation r's reverse is r + (number of forward relations), named <c>rev-NAME</c>.</remarks>
internal sealed record RdfEntityData(
    List<string> NodeTypes, int[] NodeType, List<string> EdgeTypes, int[] Src, int[] Dst, int[] EdgeType,
    string PredictCategory, long[] Labels, int[] TrainIdx, int[] TestIdx, int NumClasses);

/// <summary>
/// DGL's <c>RDFGraphDataset</c> processing for AIFB and MUTAG: each triple's subject and object become typed entities
/// (literals become <c>_Literal</c> nodes keyed by their lexical form, blank nodes are dropped), the target
/// predicates (AIFB's <c>swrc:employs</c>/<c>swrc:affiliation</c>, MUTAG's <c>isMutagenic</c>) are removed, one
/// relation per predicate name, plus a reverse relation per relation; labels come from <c>trainingSet.tsv</c> and
/// <c>testSet.tsv</c>.
/// </summary>
internal static partial class RdfEntities
{
    private sealed record Entity(string Id, string? Cls)
    {
        public string Key => $"{Cls}/{Id}";
    }

    /// <summary>The rules that differ between the data sets.</summary>
    internal abstract class Rules
    {
        public abstract string PredictCategory { get; }
        public abstract (string? Id, string? Cls) ParseEntity(RdfTerm term);
        public abstract string? ParseRelation(string iri);
        /// <summary>Adjusts the classes of a kept triple (MUTAG's SCHEMA rule); false drops it.</summary>
        public virtual bool Process(RdfTriple t, ref string? subjectCls, ref string? objectCls, string relation) => subjectCls is not null && objectCls is not null;
    }

    internal sealed class AifbRules : Rules
    {
        private const string EntityPrefix = "http://www.aifb.uni-karlsruhe.de/";
        private const string RelationPrefix = "http://swrc.ontoware.org/";

        public override string PredictCategory => "Personen";

        public override (string? Id, string? Cls) ParseEntity(RdfTerm term)
        {
            if (term.Kind == RdfTermKind.Literal) return (term.Value, "_Literal");
            if (term.Kind == RdfTermKind.BlankNode || !term.Value.StartsWith(EntityPrefix, StringComparison.Ordinal)) return (null, null);
            var sp = term.Value.Split('/');
            return sp.Length > 5 ? (sp[5], sp[3]) : (null, null);
        }

        public override string? ParseRelation(string iri)
        {
            if (iri is "http://swrc.ontoware.org/ontology#employs" or "http://swrc.ontoware.org/ontology#affiliation") return null;
            return iri.StartsWith(RelationPrefix, StringComparison.Ordinal) ? iri.Split('/')[3] : iri.Split('/')[^1];
        }
    }

    internal sealed partial class MutagRules : Rules
    {
        private const string Prefix = "http://dl-learner.org/carcinogenesis#";

        public override string PredictCategory => "d";

        [GeneratedRegex("^d[0-9]")]
        private static partial Regex DEntity();

        [GeneratedRegex("^bond[0-9]")]
        private static partial Regex BondEntity();

        public override (string? Id, string? Cls) ParseEntity(RdfTerm term)
        {
            if (term.Kind == RdfTermKind.Literal) return (term.Value, "_Literal");
            if (term.Kind == RdfTermKind.BlankNode || !term.Value.StartsWith(Prefix, StringComparison.Ordinal)) return (null, null);
            var inst = term.Value[Prefix.Length..];
            return (inst, DEntity().IsMatch(inst) ? "d" : BondEntity().IsMatch(inst) ? "bond" : null);
        }

        public override string? ParseRelation(string iri)
        {
            if (iri == Prefix + "isMutagenic") return null;
            return iri.StartsWith(Prefix, StringComparison.Ordinal) ? iri[Prefix.Length..] : iri.Split('/')[^1];
        }

        public override bool Process(RdfTriple t, ref string? subjectCls, ref string? objectCls, string relation)
        {
            if (!t.Predicate.Value.StartsWith(Prefix, StringComparison.Ordinal))
            {
                objectCls = "SCHEMA";
                subjectCls ??= "SCHEMA";
            }
            objectCls ??= relation;
            return subjectCls is not null;
        }
    }

    /// <summary>Builds the entity graph from <paramref name="triples"/> and reads the split files in <paramref name="folder"/>.</summary>
    public static RdfEntityData Build(IReadOnlyList<RdfTriple> triples, Rules rules, string folder, bool insertReverse)
    {
        // DGL sorts the triples before numbering entities; an ordinal sort of their N-Triples text is our fixed order.
        var sorted = triples.Select(t => (Key: $"{t.Subject}\u0001{t.Predicate}\u0001{t.Object}", T: t)).ToArray();
        Array.Sort(sorted, (a, b) => string.CompareOrdinal(a.Key, b.Key));
        var ntypes = new Dictionary<string, int>(StringComparer.Ordinal);
        var etypes = new Dictionary<string, int>(StringComparer.Ordinal);
        var entities = new Dictionary<string, int>(StringComparer.Ordinal);
        var nodeType = new List<int>();
        var src = new List<int>();
        var dst = new List<int>();
        var etype = new List<int>();
        int Id(Dictionary<string, int> d, string key)
        {
            if (!d.TryGetValue(key, out var id)) d[key] = id = d.Count;
            return id;
        }
        foreach (var (_, t) in sorted)
        {
            var (sid, scls) = rules.ParseEntity(t.Subject);
            var rel = rules.ParseRelation(t.Predicate.Value);
            var (oid, ocls) = rules.ParseEntity(t.Object);
            if (sid is null || rel is null || oid is null) continue;
            if (!rules.Process(t, ref scls, ref ocls, rel) || scls is null || ocls is null) continue;
            var sType = Id(ntypes, scls);
            var oType = Id(ntypes, ocls);
            var r = Id(etypes, rel);
            var s = Id(entities, new Entity(sid, scls).Key);
            if (entities.Count > nodeType.Count) nodeType.Add(sType);
            var o = Id(entities, new Entity(oid, ocls).Key);
            if (entities.Count > nodeType.Count) nodeType.Add(oType);
            src.Add(s);
            dst.Add(o);
            etype.Add(r);
        }
        var names = etypes.OrderBy(kv => kv.Value).Select(kv => kv.Key).ToList();
        var m = src.Count;
        if (insertReverse)
        {
            for (var i = 0; i < m; i++)
            {
                src.Add(dst[i]);
                dst.Add(src[i]);
                etype.Add(etype[i] + names.Count);
            }
            names.AddRange(names.Select(n => "rev-" + n).ToList());
        }
        // DGL renames the bare 'type' relation (it would clash with DGL's own attribute names).
        for (var i = 0; i < names.Count; i++)
            names[i] = names[i] switch { "type" => "rdftype", "rev-type" => "rev-rdftype", _ => names[i] };

        var typeNames = ntypes.OrderBy(kv => kv.Value).Select(kv => kv.Key).ToList();
        if (!ntypes.TryGetValue(rules.PredictCategory, out var target))
            throw new DataFormatException($"{folder}: no entity of the target category '{rules.PredictCategory}' was found in the triples");
        // Local ids of the target category: its nodes in global order.
        var local = new Dictionary<string, int>(StringComparer.Ordinal);
        var count = 0;
        foreach (var (key, gid) in entities.OrderBy(kv => kv.Value))
            if (nodeType[gid] == target) local[key] = count++;
        var labels = new long[count];
        Array.Fill(labels, -1);
        var labelIds = new Dictionary<string, int>(StringComparer.Ordinal);
        var train = ReadSplit(Path.Combine(folder, "trainingSet.tsv"), rules, local, labels, labelIds);
        var test = ReadSplit(Path.Combine(folder, "testSet.tsv"), rules, local, labels, labelIds);
        return new RdfEntityData(typeNames, [.. nodeType], names, [.. src], [.. dst], [.. etype], rules.PredictCategory, labels, train, test, labelIds.Count);
    }

    private static int[] ReadSplit(string path, Rules rules, Dictionary<string, int> local, long[] labels, Dictionary<string, int> labelIds)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"RDF data set split file {path} is missing", path);
        using var csv = CsvReader.Open(path, '\t');
        var row = new List<string>();
        var ids = new List<int>();
        csv.ReadRecord(row);   // header
        while (csv.ReadRecord(row))
        {
            if (row.Count != 3) throw csv.Lines.Error($"{row.Count} fields; expected 3 (entity, id, label)");
            var (id, cls) = rules.ParseEntity(new RdfTerm(RdfTermKind.Iri, row[0].Trim()));
            if (id is null || cls is null || !local.TryGetValue(new Entity(id, cls).Key, out var lid)) continue;   // DGL warns and skips
            ids.Add(lid);
            var label = row[2].Trim();
            if (!labelIds.TryGetValue(label, out var l)) labelIds[label] = l = labelIds.Count;
            labels[lid] = l;
        }
        return [.. ids];
    }
}

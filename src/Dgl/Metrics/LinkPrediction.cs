using Dgl.Tensors;

namespace Dgl.Metrics;

/// <summary>
/// Link-prediction ranking metrics with the Open Graph Benchmark's definitions: each positive edge's score is
/// ranked against negative scores.
/// </summary>
/// <remarks>
/// <para><b>Shared negatives</b> (negScores [M], as ogbl-collab, ogbl-ddi, ogbl-ppa): Hits@K is the fraction of
/// positives scoring strictly above the K-th highest negative (1 when there are fewer than K negatives).</para>
/// <para><b>Per-positive negatives</b> (negScores [P, M], as ogbl-citation2 and ogbl-wikikg2): positive i's rank is
/// 1 + (#{negatives &gt; pos} + #{negatives ≥ pos})/2 (ties count half); MRR is the mean of 1/rank and Hits@K the
/// fraction with rank ≤ K. MRR with shared negatives ranks every positive against the same [M] scores.</para>
/// </remarks>
/// <example>
/// <code>
/// var hits50 = LinkPrediction.HitsAtK(posScores, negScores, 50);   // ogbl-collab
/// var mrr = LinkPrediction.Mrr(posScores, negScoresPerPositive);    // ogbl-citation2, negScores [P, 1000]
/// </code>
/// </example>
public static class LinkPrediction
{
    /// <summary>Hits@K (see the class remarks for the two definitions, chosen by <paramref name="negScores"/>' rank).</summary>
    /// <exception cref="TensorShapeException">The shapes do not fit.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is below 1.</exception>
    public static double HitsAtK(Tensor posScores, Tensor negScores, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var pos = Scores("HitsAtK", posScores, negScores);
        if (negScores.Rank == 1)
        {
            var neg = Values(negScores);
            if (neg.Length < k) return 1.0;
            Array.Sort(neg);
            var kth = neg[^k];   // K-th highest negative
            var hits = 0;
            foreach (var p in pos) if (p > kth) hits++;
            return (double)hits / pos.Length;
        }
        var ranks = Ranks(pos, negScores);
        var n = 0;
        foreach (var r in ranks) if (r <= k) n++;
        return (double)n / ranks.Length;
    }

    /// <summary>Mean reciprocal rank of each positive among its negatives (ties count half; see the class remarks).</summary>
    /// <exception cref="TensorShapeException">The shapes do not fit.</exception>
    public static double Mrr(Tensor posScores, Tensor negScores)
    {
        var pos = Scores("Mrr", posScores, negScores);
        var sum = 0.0;
        foreach (var r in Ranks(pos, negScores)) sum += 1 / r;
        return sum / pos.Length;
    }

    /// <summary>1 + (optimistic + pessimistic)/2 per positive, against its own row of negatives or the shared vector.</summary>
    private static double[] Ranks(double[] pos, Tensor negScores)
    {
        var neg = Values(negScores);
        var m = negScores.Rank == 1 ? neg.Length : negScores.Size(1);
        var ranks = new double[pos.Length];
        for (var i = 0; i < pos.Length; i++)
        {
            var row = negScores.Rank == 1 ? neg.AsSpan() : neg.AsSpan(i * m, m);
            long greater = 0, greaterOrEqual = 0;
            foreach (var v in row)
            {
                if (v > pos[i]) greater++;
                if (v >= pos[i]) greaterOrEqual++;
            }
            ranks[i] = 0.5 * (greater + greaterOrEqual) + 1;
        }
        return ranks;
    }

    private static double[] Scores(string op, Tensor posScores, Tensor negScores)
    {
        ArgumentNullException.ThrowIfNull(posScores);
        ArgumentNullException.ThrowIfNull(negScores);
        if (posScores.Rank != 1 || posScores.Size(0) == 0)
            throw new TensorShapeException($"{op}: positive scores must be a non-empty vector [P]; got {posScores.Shape}");
        if (!(negScores.Rank == 1 || negScores.Rank == 2 && negScores.Size(0) == posScores.Size(0)))
            throw new TensorShapeException($"{op}: negative scores must be [M] (shared) or [P, M] with P = {posScores.Size(0)}; got {negScores.Shape}");
        return Values(posScores);
    }

    private static double[] Values(Tensor t)
    {
        var v = new double[t.NumElements];
        for (var i = 0; i < v.Length; i++) v[i] = t.GetAsDouble(i);
        return v;
    }
}

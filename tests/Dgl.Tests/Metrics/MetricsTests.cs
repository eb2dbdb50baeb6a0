using Dgl.Metrics;

namespace Dgl.Tests.Metrics;

public class ClassificationTests
{
    [Fact]
    public void AccuracyFromLogitsPredictionsAndMasks()
    {
        var logits = Tensor.From(new float[,] { { 0.1f, 0.9f }, { 2, 2 }, { 0.7f, 0.3f }, { -1, 1 } });
        var labels = Tensor.From(new long[] { 1, 0, 1, 1 });
        // Argmax takes the first maximum on ties (row 1 → 0).
        Assert.Equal(0.75, Classification.Accuracy(logits, labels));
        Assert.Equal(0.75, Classification.Accuracy(Tensor.From(new long[] { 1, 0, 0, 1 }), labels));
        Assert.Equal(0.5, Classification.Accuracy(logits, labels, Tensor.From(new[] { false, false, true, true })));
        Assert.Equal(1.0, Classification.Accuracy(logits, labels, Tensor.From(new long[] { 0, 1 })));
        Assert.Throws<ArgumentException>(() => Classification.Accuracy(logits, labels, Tensor.From(new[] { false, false, false, false })));
        Assert.Throws<TensorShapeException>(() => Classification.Accuracy(logits, Tensor.From(new long[] { 1, 0 })));
        Assert.Throws<ArgumentOutOfRangeException>(() => Classification.Accuracy(logits, labels, Tensor.From(new long[] { 4 })));
    }

    [Fact]
    public void MacroF1SkipsClassesAbsentFromLabelsAndPredictions()
    {
        // Classes 0..3; class 3 appears nowhere. Per class: F1(0) = 2·2/(4+1) = 0.8, F1(1) = 2/(2+1+1) = 0.5, F1(2) = 2/(2+1) = 2/3.
        var labels = Tensor.From(new long[] { 0, 1, 1, 0, 2, 2 });
        var pred = Tensor.From(new long[] { 0, 1, 0, 0, 2, 1 });
        Assert.Equal((0.8 + 0.5 + 2.0 / 3) / 3, Classification.F1Score(pred, labels, F1Average.Macro), 14);
        Assert.Equal(4.0 / 6, Classification.F1Score(pred, labels, F1Average.Micro), 14);
        // A class predicted but never true counts with F1 = 0: predict 3 for the last row instead.
        var pred2 = Tensor.From(new long[] { 0, 1, 0, 0, 2, 3 });
        // F1(1) = 2/(2+0+1) = 2/3, F1(2) = 2/3, F1(3) = 0.
        Assert.Equal((0.8 + 2.0 / 3 + 2.0 / 3 + 0) / 4, Classification.F1Score(pred2, labels, F1Average.Macro), 14);
    }

    [Fact]
    public void MultiLabelF1FromIndicatorMatrices()
    {
        var truth = Tensor.From(new int[,] { { 1, 0, 1 }, { 0, 1, 0 }, { 1, 1, 0 } });
        var pred = Tensor.From(new int[,] { { 1, 0, 0 }, { 0, 1, 1 }, { 1, 0, 0 } });
        // Label 0: TP 2 → F1 1. Label 1: TP 1, FN 1 → 2/3. Label 2: FP 1, FN 1 → 0.
        Assert.Equal((1 + 2.0 / 3 + 0) / 3, Classification.MultiLabelF1(pred, truth, F1Average.Macro), 14);
        // Pooled: TP 3, FP 1, FN 2 → 6/9.
        Assert.Equal(6.0 / 9, Classification.MultiLabelF1(pred, truth), 14);
        // Row 0 only: TP 1, FN 1 → 2/3.
        Assert.Equal(2.0 / 3, Classification.MultiLabelF1(pred, truth, mask: Tensor.From(new long[] { 0 })), 14);
        Assert.Throws<TensorShapeException>(() => Classification.MultiLabelF1(pred, Tensor.Zeros(3, 2)));
    }

    [Fact]
    public void RocAucHandCasesWithTies()
    {
        // scikit-learn's documented example.
        Assert.Equal(0.75, Classification.RocAuc(Tensor.From(new[] { 0.1, 0.4, 0.35, 0.8 }), Tensor.From(new long[] { 0, 0, 1, 1 })), 14);
        // A tied positive/negative pair counts half: (1 + 0.5 + 1 + 1) / 4.
        Assert.Equal(0.875, Classification.RocAuc(Tensor.From(new[] { 0.1, 0.5, 0.5, 0.9 }), Tensor.From(new long[] { 0, 1, 0, 1 })), 14);
        Assert.Equal(0.5, Classification.RocAuc(Tensor.From(new[] { 0.5, 0.5, 0.5, 0.5 }), Tensor.From(new[] { false, true, false, true })), 14);
        var ex = Assert.Throws<ArgumentException>(() => Classification.RocAuc(Tensor.From(new[] { 0.1, 0.2 }), Tensor.From(new long[] { 1, 1 })));
        Assert.Contains("only one class", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RocAucEqualsPairwiseCountOnRandomTiedData()
    {
        var gen = new Generator(5);
        var scores = Tensor.RandInt(0, 6, [200], DType.Int64, gen).Double();   // many ties
        var labels = Tensor.RandInt(0, 2, [200], DType.Int64, gen);
        var s = scores.ToArray<double>();
        var y = labels.ToArray<long>();
        double wins = 0, pairs = 0;
        for (var i = 0; i < s.Length; i++)
        {
            if (y[i] != 1) continue;
            for (var j = 0; j < s.Length; j++)
            {
                if (y[j] != 0) continue;
                pairs++;
                wins += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
            }
        }
        Assert.Equal(wins / pairs, Classification.RocAuc(scores, labels), 12);
    }

    [Fact]
    public void MultiTaskRocAucAveragesTasksWithBothClassesIgnoringNaN()
    {
        var scores = Tensor.From(new double[,] { { 0.1, 0.9, 0.3 }, { 0.4, 0.2, 0.6 }, { 0.35, 0.5, 0.1 }, { 0.8, 0.7, 0.2 } });
        var labels = Tensor.From(new double[,] { { 0, 1, 1 }, { 0, double.NaN, 1 }, { 1, 0, 1 }, { 1, 1, 1 } });
        // Task 0: 0.75 (scikit-learn's example). Task 1 (row 1 missing): scores 0.9, 0.5, 0.7 with labels 1, 0, 1 → 1. Task 2: one class → skipped.
        Assert.Equal((0.75 + 1) / 2, Classification.RocAuc(scores, labels), 14);
    }
}

public class LinkPredictionTests
{
    [Fact]
    public void HitsAtKWithSharedNegatives()
    {
        var pos = Tensor.From(new[] { 5.0, 3, 1, 2.5 });
        var neg = Tensor.From(new[] { 4.0, 2, 0, 2.5 });
        // 2nd highest negative is 2.5; positives strictly above: 5, 3.
        Assert.Equal(0.5, LinkPrediction.HitsAtK(pos, neg, 2), 14);
        Assert.Equal(0.25, LinkPrediction.HitsAtK(pos, neg, 1), 14);
        Assert.Equal(1.0, LinkPrediction.HitsAtK(pos, neg, 5));   // fewer negatives than K
        Assert.Throws<ArgumentOutOfRangeException>(() => LinkPrediction.HitsAtK(pos, neg, 0));
    }

    [Fact]
    public void MrrAndHitsWithPerPositiveNegativesCountTiesHalf()
    {
        var pos = Tensor.From(new[] { 3.0, 1, 0.5 });
        var neg = Tensor.From(new double[,] { { 1, 2, 3 }, { 1, 1, 0 }, { 0, 0.1, 0.2 } });
        // Ranks: 1 + (0 + 1)/2 = 1.5;  1 + (0 + 2)/2 = 2;  1.
        Assert.Equal((1 / 1.5 + 0.5 + 1) / 3, LinkPrediction.Mrr(pos, neg), 14);
        Assert.Equal(1.0 / 3, LinkPrediction.HitsAtK(pos, neg, 1), 14);
        Assert.Equal(1.0, LinkPrediction.HitsAtK(pos, neg, 2), 14);
        // Shared negatives for MRR: every positive against [2, 0.7] → ranks 1, 2, 3.
        Assert.Equal((1 + 0.5 + 1.0 / 3) / 3, LinkPrediction.Mrr(pos, Tensor.From(new[] { 2.0, 0.7 })), 14);
        Assert.Throws<TensorShapeException>(() => LinkPrediction.Mrr(pos, Tensor.Zeros(2, 3)));
    }
}

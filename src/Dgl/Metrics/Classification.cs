using Dgl.Tensors;

namespace Dgl.Metrics;

/// <summary>How per-class counts combine into one F1 score.</summary>
public enum F1Average
{
    /// <summary>Pool true/false positives and false negatives over all classes, then compute F1 (equals accuracy for single-label multi-class).</summary>
    Micro,

    /// <summary>Compute F1 per class and take the unweighted mean.</summary>
    Macro,
}

/// <summary>
/// Classification metrics on tensors, computed in double with scikit-learn's definitions (<c>accuracy_score</c>,
/// <c>f1_score</c>, <c>roc_auc_score</c>) and OGB's for multi-task ROC-AUC.
/// </summary>
/// <remarks>
/// Every metric takes an optional <c>mask</c>: a bool tensor [N] selecting rows (DGL's train/val/test masks) or an
/// integer tensor of row ids.
/// </remarks>
/// <example>
/// <code>
/// var acc = Classification.Accuracy(logits, g.NData["label"], g.NData["val_mask"]);
/// var f1 = Classification.F1Score(logits, labels, F1Average.Macro);
/// </code>
/// </example>
public static class Classification
{
    /// <summary>
    /// Fraction of rows whose prediction equals the label. <paramref name="input"/> is either scores [N, C] (logits
    /// or probabilities; the prediction is the first index of the row maximum, as <c>argmax</c>) or integer predictions [N].
    /// </summary>
    /// <exception cref="TensorShapeException">The shapes do not fit.</exception>
    /// <exception cref="ArgumentException">The mask selects no rows.</exception>
    public static double Accuracy(Tensor input, Tensor labels, Tensor? mask = null)
    {
        var (pred, truth) = Predictions("Accuracy", input, labels, mask);
        var correct = 0;
        for (var i = 0; i < pred.Length; i++) if (pred[i] == truth[i]) correct++;
        return (double)correct / pred.Length;
    }

    /// <summary>
    /// F1 score of single-label multi-class predictions, as scikit-learn's <c>f1_score</c>: per class
    /// F1 = 2·TP / (2·TP + FP + FN), pooled over classes (Micro) or averaged (Macro).
    /// </summary>
    /// <remarks>
    /// The classes averaged by Macro are those that occur in the labels or in the predictions (scikit-learn's default
    /// <c>labels=None</c>): a class absent from both does not count, while a class that is predicted but never true
    /// (or true but never predicted) counts with F1 = 0.
    /// </remarks>
    /// <param name="input">Scores [N, C] (argmax is taken) or integer predictions [N].</param>
    /// <param name="labels">Integer labels [N].</param>
    /// <param name="average">Micro or Macro.</param>
    /// <param name="mask">Rows to include (bool [N] or integer ids), or null for all.</param>
    public static double F1Score(Tensor input, Tensor labels, F1Average average = F1Average.Micro, Tensor? mask = null)
    {
        var (pred, truth) = Predictions("F1Score", input, labels, mask);
        var tp = new Dictionary<long, (long Tp, long Fp, long Fn)>();
        for (var i = 0; i < pred.Length; i++)
        {
            var (p, t) = (pred[i], truth[i]);
            if (p == t)
            {
                var c = tp.GetValueOrDefault(p);
                tp[p] = (c.Tp + 1, c.Fp, c.Fn);
            }
            else
            {
                var cp = tp.GetValueOrDefault(p);
                tp[p] = (cp.Tp, cp.Fp + 1, cp.Fn);
                var ct = tp.GetValueOrDefault(t);
                tp[t] = (ct.Tp, ct.Fp, ct.Fn + 1);
            }
        }
        return Combine(tp.Values, average);
    }

    /// <summary>
    /// F1 score of multi-label predictions given as 0/1 matrices [N, L] (any dtype; non-zero is positive), as
    /// scikit-learn's <c>f1_score</c> on indicator matrices: Micro pools the counts of every label; Macro averages
    /// the per-label F1 over all L labels, a label with no positive prediction or target scoring 0.
    /// </summary>
    /// <exception cref="TensorShapeException">The shapes differ or are not [N, L].</exception>
    public static double MultiLabelF1(Tensor predictions, Tensor labels, F1Average average = F1Average.Micro, Tensor? mask = null)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(labels);
        if (predictions.Rank != 2 || predictions.Shape != labels.Shape)
            throw new TensorShapeException($"MultiLabelF1: predictions {predictions.Shape} and labels {labels.Shape} must both be [N, L] 0/1 matrices of the same shape");
        var rows = SelectRows("MultiLabelF1", predictions.Size(0), mask);
        var l = predictions.Size(1);
        var counts = new (long Tp, long Fp, long Fn)[l];
        foreach (var r in rows)
        {
            for (var j = 0; j < l; j++)
            {
                var p = predictions.ToDoubleAt(r * l + j) != 0;
                var t = labels.ToDoubleAt(r * l + j) != 0;
                if (p && t) counts[j].Tp++;
                else if (p) counts[j].Fp++;
                else if (t) counts[j].Fn++;
            }
        }
        return Combine(counts, average);
    }

    private static double Combine(IEnumerable<(long Tp, long Fp, long Fn)> counts, F1Average average)
    {
        static double F1(long tp, long fp, long fn) => 2 * tp + fp + fn == 0 ? 0 : 2.0 * tp / (2 * tp + fp + fn);
        if (average == F1Average.Micro)
        {
            long tp = 0, fp = 0, fn = 0;
            foreach (var c in counts) (tp, fp, fn) = (tp + c.Tp, fp + c.Fp, fn + c.Fn);
            return F1(tp, fp, fn);
        }
        if (average != F1Average.Macro)
            throw new ArgumentOutOfRangeException(nameof(average), average, "F1: average must be Micro or Macro");
        var sum = 0.0;
        var n = 0;
        foreach (var c in counts)
        {
            sum += F1(c.Tp, c.Fp, c.Fn);
            n++;
        }
        return n == 0 ? 0 : sum / n;
    }

    /// <summary>
    /// Area under the ROC curve of scores against binary labels, as scikit-learn's <c>roc_auc_score</c>: the
    /// Mann–Whitney statistic with tied scores given their average rank (each tied positive/negative pair counts ½).
    /// For [N, T] inputs (several tasks), OGB's definition: the mean over tasks that have both classes, ignoring
    /// NaN labels.
    /// </summary>
    /// <param name="scores">Scores [N] (higher means positive), or [N, T].</param>
    /// <param name="labels">0/1 labels of the same shape (any dtype; NaN marks a missing label in float labels).</param>
    /// <param name="mask">Rows to include, or null.</param>
    /// <exception cref="ArgumentException">Only one class is present (binary), or no task has both classes (multi-task), or a score is NaN.</exception>
    public static double RocAuc(Tensor scores, Tensor labels, Tensor? mask = null)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(labels);
        if (scores.Shape != labels.Shape || scores.Rank is not (1 or 2))
            throw new TensorShapeException($"RocAuc: scores {scores.Shape} and labels {labels.Shape} must have the same shape, [N] or [N, T]");
        var rows = SelectRows("RocAuc", scores.Size(0), mask);
        var tasks = scores.Rank == 1 ? 1 : scores.Size(1);
        var total = 0.0;
        var valid = 0;
        for (var task = 0; task < tasks; task++)
        {
            var s = new List<double>(rows.Length);
            var y = new List<bool>(rows.Length);
            foreach (var r in rows)
            {
                var label = labels.ToDoubleAt(r * tasks + task);
                if (double.IsNaN(label)) continue;
                var score = scores.ToDoubleAt(r * tasks + task);
                if (double.IsNaN(score))
                    throw new ArgumentException($"RocAuc: score at row {r}{(tasks > 1 ? $", task {task}" : "")} is NaN", nameof(scores));
                s.Add(score);
                y.Add(label != 0);
            }
            var auc = BinaryAuc(s, y);
            if (double.IsNaN(auc))
            {
                if (tasks == 1)
                    throw new ArgumentException("RocAuc: only one class is present in the labels; ROC AUC is not defined in that case", nameof(labels));
                continue;
            }
            total += auc;
            valid++;
        }
        if (valid == 0)
            throw new ArgumentException($"RocAuc: none of the {tasks} tasks has both positive and negative labels; ROC AUC is not defined", nameof(labels));
        return total / valid;
    }

    /// <summary>Mann–Whitney AUC with average ranks for ties; NaN when one class is missing.</summary>
    private static double BinaryAuc(List<double> scores, List<bool> labels)
    {
        var n = scores.Count;
        var order = new int[n];
        var keys = scores.ToArray();
        for (var i = 0; i < n; i++) order[i] = i;
        Array.Sort(keys, order);
        double rankSumPos = 0;
        long pos = 0;
        for (var i = 0; i < n;)
        {
            var j = i;
            while (j + 1 < n && keys[j + 1] == keys[i]) j++;
            var avgRank = (i + j) / 2.0 + 1;   // ranks are 1-based
            for (var k = i; k <= j; k++)
            {
                if (!labels[order[k]]) continue;
                rankSumPos += avgRank;
                pos++;
            }
            i = j + 1;
        }
        var neg = n - pos;
        if (pos == 0 || neg == 0) return double.NaN;
        return (rankSumPos - pos * (pos + 1) / 2.0) / ((double)pos * neg);
    }

    // ------------------------------------------------------------------------------------------------------

    private static (long[] Pred, long[] Truth) Predictions(string op, Tensor input, Tensor labels, Tensor? mask)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(labels);
        if (!labels.DType.IsInteger() || labels.Rank != 1)
            throw new TensorShapeException($"{op}: labels must be integer class ids of shape [N]; got {labels.DType.Name()} {labels.Shape}");
        var n = labels.Size(0);
        if (input.Size(0) != n || !(input.Rank == 2 && input.DType.IsFloatingPoint() || input.Rank == 1 && input.DType.IsInteger()))
            throw new TensorShapeException($"{op}: input must be scores [N, C] or integer predictions [N] with N = {n} (the labels' length); got {input.DType.Name()} {input.Shape}");
        var rows = SelectRows(op, n, mask);
        var pred = new long[rows.Length];
        var truth = new long[rows.Length];
        var c = input.Rank == 2 ? input.Size(1) : 0;
        for (var i = 0; i < rows.Length; i++)
        {
            var r = rows[i];
            truth[i] = (long)labels.ToDoubleAt(r);
            if (input.Rank == 1)
            {
                pred[i] = (long)input.ToDoubleAt(r);
                continue;
            }
            var best = 0;
            var bestValue = input.ToDoubleAt(r * c);
            for (var j = 1; j < c; j++)
            {
                var v = input.ToDoubleAt(r * c + j);
                if (v > bestValue || (double.IsNaN(v) && !double.IsNaN(bestValue)))
                {
                    best = j;
                    bestValue = v;
                }
            }
            pred[i] = best;
        }
        return (pred, truth);
    }

    /// <summary>The rows a mask selects: a bool [N] mask, integer row ids, or all rows.</summary>
    internal static int[] SelectRows(string op, int n, Tensor? mask)
    {
        if (mask is null) return [.. Enumerable.Range(0, n)];
        int[] rows;
        if (mask.DType == DType.Bool)
        {
            if (mask.Rank != 1 || mask.Size(0) != n)
                throw new TensorShapeException($"{op}: a bool mask must have shape [{n}]; got {mask.Shape}");
            var m = mask.AsSpan<bool>();
            var list = new List<int>();
            for (var i = 0; i < n; i++) if (m[i]) list.Add(i);
            rows = [.. list];
        }
        else if (mask.DType.IsInteger() && mask.Rank == 1)
        {
            rows = new int[mask.NumElements];
            for (var i = 0; i < rows.Length; i++)
            {
                var id = (long)mask.ToDoubleAt(i);
                if ((ulong)id >= (ulong)n)
                    throw new ArgumentOutOfRangeException(nameof(mask), id, $"{op}: row id {id} at position {i} of the mask is out of range for {n} rows");
                rows[i] = (int)id;
            }
        }
        else
        {
            throw new TensorShapeException($"{op}: mask must be a bool tensor [{n}] or integer row ids [K]; got {mask.DType.Name()} {mask.Shape}");
        }
        if (rows.Length == 0)
            throw new ArgumentException($"{op}: the mask selects no rows", nameof(mask));
        return rows;
    }

    /// <summary>Element <paramref name="flat"/> as a double.</summary>
    internal static double ToDoubleAt(this Tensor t, int flat) => t.GetAsDouble(flat);
}

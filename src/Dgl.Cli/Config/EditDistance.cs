namespace Dgl.Cli.Config;

/// <summary>Levenshtein distance, to suggest the nearest valid name for a misspelt one.</summary>
internal static class EditDistance
{
    /// <summary>The number of single-character insertions, deletions and substitutions turning <paramref name="a"/> into <paramref name="b"/>.</summary>
    public static int Levenshtein(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) prev[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }

    /// <summary>The candidate nearest to <paramref name="word"/> (ties: the first in order).</summary>
    public static string Nearest(string word, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var c in candidates)
        {
            var d = Levenshtein(word, c);
            if (d < bestDistance)
            {
                best = c;
                bestDistance = d;
            }
        }
        return best ?? throw new ArgumentException("Nearest: no candidates", nameof(candidates));
    }
}

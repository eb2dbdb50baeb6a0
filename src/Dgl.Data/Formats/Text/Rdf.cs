using System.Globalization;
using System.Text;
using Dgl.Tensors.IO;

namespace Dgl.Data;

/// <summary>The kind of an RDF term.</summary>
public enum RdfTermKind
{
    /// <summary>An IRI (<c>&lt;http://…&gt;</c> or a prefixed name).</summary>
    Iri,
    /// <summary>A blank node (<c>_:b1</c>, <c>[ … ]</c>).</summary>
    BlankNode,
    /// <summary>A literal (<c>"text"@en</c>, <c>"1.5"^^xsd:double</c>, <c>42</c>).</summary>
    Literal,
}

/// <summary>An RDF term: an IRI, a blank node or a literal with its datatype or language.</summary>
/// <param name="Kind">What the term is.</param>
/// <param name="Value">The IRI, the blank node label, or the literal's lexical form.</param>
/// <param name="Datatype">The literal's datatype IRI, or null.</param>
/// <param name="Language">The literal's language tag, or null.</param>
public readonly record struct RdfTerm(RdfTermKind Kind, string Value, string? Datatype = null, string? Language = null)
{
    /// <summary>N-Triples notation.</summary>
    public override string ToString() => Kind switch
    {
        RdfTermKind.Iri => $"<{Value}>",
        RdfTermKind.BlankNode => $"_:{Value}",
        _ => $"\"{Value}\"" + (Language is not null ? "@" + Language : Datatype is not null ? $"^^<{Datatype}>" : ""),
    };
}

/// <summary>One RDF statement.</summary>
public readonly record struct RdfTriple(RdfTerm Subject, RdfTerm Predicate, RdfTerm Object);

/// <summary>
/// Reads RDF in N-Triples and Turtle/Notation3 (the subset data files use: <c>@prefix</c>/<c>@base</c>, prefixed names,
/// <c>a</c>, <c>;</c> and <c>,</c> lists, <c>[ … ]</c> blank nodes, <c>( … )</c> collections, short and long string
/// literals with escapes, language tags, datatypes, bare numbers and booleans), gzip-compressed or not.
/// </summary>
/// <remarks>Duplicate triples are dropped (an RDF graph is a set), as rdflib does. N3 formulae (<c>{ … }</c>) and
/// rules are not supported and are reported as errors with the line.</remarks>
public static class RdfReader
{
    /// <summary>Reads every triple of the file at <paramref name="path"/>.</summary>
    /// <exception cref="DataFormatException">The file does not parse; the message gives the line.</exception>
    public static IReadOnlyList<RdfTriple> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        using (var s = LineReader.OpenMaybeGzip(path))
        using (var sr = new StreamReader(s, new UTF8Encoding(false, throwOnInvalidBytes: false), detectEncodingFromByteOrderMarks: true))
        {
            try
            {
                text = sr.ReadToEnd();
            }
            catch (InvalidDataException e)
            {
                throw new DataFormatException(path, null, null, $"corrupt compressed data: {e.Message}", e);
            }
        }
        return Parse(text, path);
    }

    /// <summary>Parses Turtle/N3/N-Triples text; <paramref name="source"/> names it in messages.</summary>
    public static IReadOnlyList<RdfTriple> Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var p = new TurtleParser(text, source);
        p.Run();
        return p.Triples;
    }

    private sealed class TurtleParser(string text, string source)
    {
        private const string Rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
        private const string Xsd = "http://www.w3.org/2001/XMLSchema#";
        private readonly Dictionary<string, string> _prefixes = new(StringComparer.Ordinal);
        private readonly HashSet<RdfTriple> _seen = [];
        private int _pos;
        private int _line = 1;
        private int _blank;
        private string _base = "";

        public List<RdfTriple> Triples { get; } = [];

        private DataFormatException Error(string what) => new(source, _line, null, what);

        private void Emit(RdfTerm s, RdfTerm p, RdfTerm o)
        {
            var t = new RdfTriple(s, p, o);
            if (_seen.Add(t)) Triples.Add(t);
        }

        public void Run()
        {
            while (true)
            {
                SkipWs();
                if (_pos >= text.Length) return;
                var c = text[_pos];
                if (c == '@')
                {
                    Directive(sparql: false);
                    continue;
                }
                if (StartsWithKeyword("PREFIX") || StartsWithKeyword("BASE"))
                {
                    Directive(sparql: true);
                    continue;
                }
                if (c == '{') throw Error("N3 formulae ('{ … }') are not supported");
                var subject = Subject();
                SkipWs();
                if (subject.Kind == RdfTermKind.BlankNode && _pos < text.Length && text[_pos] == '.' && _lastWasPropertyList)
                {
                    _pos++;   // "[ :p :o ] ." is a complete statement
                    continue;
                }
                PredicateObjectList(subject, ']');
                Expect('.');
            }
        }

        private bool _lastWasPropertyList;

        private bool StartsWithKeyword(string kw) =>
            string.Compare(text, _pos, kw, 0, kw.Length, StringComparison.OrdinalIgnoreCase) == 0
            && _pos + kw.Length < text.Length && char.IsWhiteSpace(text[_pos + kw.Length]);

        private void Directive(bool sparql)
        {
            if (!sparql) _pos++;
            var start = _pos;
            while (_pos < text.Length && char.IsAsciiLetter(text[_pos])) _pos++;
            var kw = text[start.._pos].ToLowerInvariant();
            SkipWs();
            switch (kw)
            {
                case "prefix":
                {
                    var nameStart = _pos;
                    while (_pos < text.Length && text[_pos] != ':' && !char.IsWhiteSpace(text[_pos])) _pos++;
                    var name = text[nameStart.._pos];
                    Expect(':');
                    SkipWs();
                    _prefixes[name] = IriRef();
                    break;
                }
                case "base":
                    _base = IriRef();
                    break;
                case "keywords":
                case "forall":
                case "forsome":
                    throw Error($"N3 directive @{kw} is not supported");
                default:
                    throw Error($"unknown directive '@{kw}'; expected @prefix or @base");
            }
            SkipWs();
            if (!sparql) Expect('.');
        }

        private void PredicateObjectList(RdfTerm subject, char closer)
        {
            while (true)
            {
                SkipWs();
                var predicate = Predicate();
                while (true)
                {
                    SkipWs();
                    var obj = Object();
                    Emit(subject, predicate, obj);
                    SkipWs();
                    if (Peek() == ',') { _pos++; continue; }
                    break;
                }
                if (Peek() != ';') return;
                while (Peek() == ';') { _pos++; SkipWs(); }
                var next = Peek();
                if (next == '.' || next == closer || next == '\0') return;
            }
        }

        private RdfTerm Subject()
        {
            _lastWasPropertyList = false;
            var c = Peek();
            return c switch
            {
                '<' => Iri(IriRef()),
                '_' => BlankLabel(),
                '[' => BlankPropertyList(),
                '(' => Collection(),
                '"' or '\'' => throw Error("a literal cannot be a subject"),
                _ => Iri(PrefixedName()),
            };
        }

        private RdfTerm Predicate()
        {
            if (Peek() == 'a' && _pos + 1 < text.Length && (char.IsWhiteSpace(text[_pos + 1]) || text[_pos + 1] is '<' or '"' or '[' or '_'))
            {
                _pos++;
                return Iri(Rdf + "type");
            }
            if (Peek() == '<') return Iri(IriRef());
            if (Peek() is '=' or '{') throw Error("N3 '=' / '=>' / formulae are not supported");
            return Iri(PrefixedName());
        }

        private RdfTerm Object()
        {
            var c = Peek();
            switch (c)
            {
                case '<': return Iri(IriRef());
                case '_': return BlankLabel();
                case '[': return BlankPropertyList();
                case '(': return Collection();
                case '"':
                case '\'':
                    return Literal();
                case '\0': throw Error("unexpected end of file; expected an object");
            }
            if (char.IsAsciiDigit(c) || c is '+' or '-' || (c == '.' && _pos + 1 < text.Length && char.IsAsciiDigit(text[_pos + 1])))
                return Number();
            if (StartsWithWord("true")) { _pos += 4; return new RdfTerm(RdfTermKind.Literal, "true", Xsd + "boolean"); }
            if (StartsWithWord("false")) { _pos += 5; return new RdfTerm(RdfTermKind.Literal, "false", Xsd + "boolean"); }
            return Iri(PrefixedName());
        }

        private bool StartsWithWord(string w) =>
            string.CompareOrdinal(text, _pos, w, 0, w.Length) == 0 && (_pos + w.Length == text.Length || !IsNameChar(text[_pos + w.Length]));

        private static RdfTerm Iri(string iri) => new(RdfTermKind.Iri, iri);

        private RdfTerm BlankLabel()
        {
            if (_pos + 1 >= text.Length || text[_pos + 1] != ':') throw Error("expected a blank node label '_:name'");
            _pos += 2;
            var start = _pos;
            while (_pos < text.Length && IsNameChar(text[_pos])) _pos++;
            while (_pos > start && text[_pos - 1] == '.') _pos--;   // a trailing '.' ends the statement
            if (_pos == start) throw Error("empty blank node label");
            return new RdfTerm(RdfTermKind.BlankNode, text[start.._pos]);
        }

        private RdfTerm NewBlank() => new(RdfTermKind.BlankNode, $"genid{++_blank}");

        private RdfTerm BlankPropertyList()
        {
            _pos++;   // '['
            var node = NewBlank();
            SkipWs();
            if (Peek() != ']') PredicateObjectList(node, ']');
            SkipWs();
            Expect(']');
            _lastWasPropertyList = true;
            return node;
        }

        private RdfTerm Collection()
        {
            _pos++;   // '('
            var items = new List<RdfTerm>();
            while (true)
            {
                SkipWs();
                if (Peek() == ')') { _pos++; break; }
                if (Peek() == '\0') throw Error("unterminated collection '('");
                items.Add(Object());
            }
            var nil = Iri(Rdf + "nil");
            if (items.Count == 0) return nil;
            var head = NewBlank();
            var cur = head;
            for (var i = 0; i < items.Count; i++)
            {
                Emit(cur, Iri(Rdf + "first"), items[i]);
                var next = i + 1 < items.Count ? NewBlank() : nil;
                Emit(cur, Iri(Rdf + "rest"), next);
                cur = next;
            }
            return head;
        }

        private string IriRef()
        {
            if (Peek() != '<') throw Error("expected an IRI '<…>'");
            var end = text.IndexOf('>', _pos + 1);
            if (end < 0) throw Error("unterminated IRI '<'");
            var raw = text.Substring(_pos + 1, end - _pos - 1);
            if (raw.Contains('\n', StringComparison.Ordinal)) throw Error("an IRI spans a line break (unterminated '<'?)");
            _pos = end + 1;
            var iri = raw.Contains('\\', StringComparison.Ordinal) ? Unescape(raw) : raw;
            return Resolve(iri);
        }

        private string Resolve(string iri)
        {
            if (_base.Length == 0 || iri.Contains(':', StringComparison.Ordinal)) return iri;
            if (iri.Length == 0) return _base;
            return Uri.TryCreate(new Uri(_base, UriKind.Absolute), iri, out var u) ? u.ToString() : _base + iri;
        }

        private string PrefixedName()
        {
            var start = _pos;
            while (_pos < text.Length && text[_pos] != ':' && IsNameChar(text[_pos])) _pos++;
            if (_pos >= text.Length || text[_pos] != ':')
                throw Error($"unexpected '{Excerpt(start)}'; expected an IRI, a prefixed name or a literal");
            var prefix = text[start.._pos];
            _pos++;
            var localStart = _pos;
            while (_pos < text.Length && (IsNameChar(text[_pos]) || text[_pos] == ':')) _pos++;
            while (_pos > localStart && text[_pos - 1] == '.') _pos--;
            if (!_prefixes.TryGetValue(prefix, out var ns)) throw Error($"prefix '{prefix}:' is not declared");
            return ns + text[localStart.._pos];
        }

        private static bool IsNameChar(char c) => char.IsLetterOrDigit(c) || c is '_' or '-' or '.' or '%' || c > 0x7F;

        private RdfTerm Number()
        {
            var start = _pos;
            if (text[_pos] is '+' or '-') _pos++;
            while (_pos < text.Length && char.IsAsciiDigit(text[_pos])) _pos++;
            var kind = "integer";
            if (_pos + 1 < text.Length && text[_pos] == '.' && char.IsAsciiDigit(text[_pos + 1]))
            {
                kind = "decimal";
                _pos++;
                while (_pos < text.Length && char.IsAsciiDigit(text[_pos])) _pos++;
            }
            if (_pos < text.Length && text[_pos] is 'e' or 'E')
            {
                kind = "double";
                _pos++;
                if (_pos < text.Length && text[_pos] is '+' or '-') _pos++;
                var digits = _pos;
                while (_pos < text.Length && char.IsAsciiDigit(text[_pos])) _pos++;
                if (_pos == digits) throw Error("a number's exponent has no digits");
            }
            if (_pos == start || (_pos == start + 1 && text[start] is '+' or '-')) throw Error("malformed number");
            return new RdfTerm(RdfTermKind.Literal, text[start.._pos], Xsd + kind);
        }

        private RdfTerm Literal()
        {
            var q = text[_pos];
            var longForm = _pos + 2 < text.Length && text[_pos + 1] == q && text[_pos + 2] == q;
            _pos += longForm ? 3 : 1;
            var sb = new StringBuilder();
            while (true)
            {
                if (_pos >= text.Length) throw Error("unterminated string literal");
                var c = text[_pos];
                if (longForm)
                {
                    if (c == q && _pos + 2 < text.Length && text[_pos + 1] == q && text[_pos + 2] == q)
                    {
                        _pos += 3;
                        // """a"""" : extra quotes before the closing ones belong to the string.
                        while (_pos < text.Length && text[_pos] == q) { sb.Append(q); _pos++; }
                        break;
                    }
                }
                else if (c == q)
                {
                    _pos++;
                    break;
                }
                else if (c == '\n')
                {
                    throw Error("a line break inside a short string literal (unterminated quote?)");
                }
                if (c == '\n') _line++;
                if (c == '\\')
                {
                    sb.Append(Escape());
                    continue;
                }
                sb.Append(c);
                _pos++;
            }
            string? lang = null, datatype = null;
            if (Peek(false) == '@')
            {
                _pos++;
                var start = _pos;
                while (_pos < text.Length && (char.IsAsciiLetterOrDigit(text[_pos]) || text[_pos] == '-')) _pos++;
                if (_pos == start) throw Error("empty language tag");
                lang = text[start.._pos].ToLowerInvariant();
            }
            else if (_pos + 1 < text.Length && text[_pos] == '^' && text[_pos + 1] == '^')
            {
                _pos += 2;
                datatype = Peek(false) == '<' ? IriRef() : PrefixedName();
            }
            return new RdfTerm(RdfTermKind.Literal, sb.ToString(), datatype, lang);
        }

        private string Escape()
        {
            if (_pos + 1 >= text.Length) throw Error("a string ends with a lone backslash");
            var e = text[_pos + 1];
            _pos += 2;
            switch (e)
            {
                case 't': return "\t";
                case 'b': return "\b";
                case 'n': return "\n";
                case 'r': return "\r";
                case 'f': return "\f";
                case '"': return "\"";
                case '\'': return "'";
                case '\\': return "\\";
                case 'u':
                case 'U':
                {
                    var n = e == 'u' ? 4 : 8;
                    if (_pos + n > text.Length || !uint.TryParse(text.AsSpan(_pos, n), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var cp)
                        || cp > 0x10FFFF || cp is >= 0xD800 and <= 0xDFFF)
                        throw Error($"bad \\{e} escape in a string");
                    _pos += n;
                    return char.ConvertFromUtf32((int)cp);
                }
                default:
                    // rdflib keeps unknown escapes such as "\e" as the two characters.
                    return "\\" + e;
            }
        }

        private string Unescape(string iri)
        {
            var sb = new StringBuilder();
            for (var i = 0; i < iri.Length; i++)
            {
                if (iri[i] == '\\' && i + 1 < iri.Length && iri[i + 1] is 'u' or 'U')
                {
                    var n = iri[i + 1] == 'u' ? 4 : 8;
                    if (i + 2 + n > iri.Length || !uint.TryParse(iri.AsSpan(i + 2, n), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var cp)
                        || cp > 0x10FFFF || cp is >= 0xD800 and <= 0xDFFF)
                        throw Error("bad \\u escape in an IRI");
                    sb.Append(char.ConvertFromUtf32((int)cp));
                    i += 1 + n;
                }
                else sb.Append(iri[i]);
            }
            return sb.ToString();
        }

        private char Peek(bool skip = true)
        {
            if (skip) SkipWs();
            return _pos < text.Length ? text[_pos] : '\0';
        }

        private void Expect(char c)
        {
            SkipWs();
            if (_pos >= text.Length || text[_pos] != c)
                throw Error($"expected '{c}', found {(_pos >= text.Length ? "the end of the file" : $"'{Excerpt(_pos)}'")}");
            _pos++;
        }

        private string Excerpt(int at)
        {
            var end = Math.Min(text.Length, at + 30);
            var nl = text.IndexOf('\n', at, end - at);
            return text[at..(nl >= 0 ? nl : end)];
        }

        private void SkipWs()
        {
            while (_pos < text.Length)
            {
                var c = text[_pos];
                if (c == '\n') { _line++; _pos++; }
                else if (c is ' ' or '\t' or '\r' or '\f' or '\uFEFF') _pos++;
                else if (c == '#')
                {
                    var nl = text.IndexOf('\n', _pos);
                    _pos = nl < 0 ? text.Length : nl;
                }
                else break;
            }
        }
    }
}

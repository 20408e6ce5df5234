using System.Collections;

namespace CallCenter.Telephony.Sip.Messages;

/// <summary>
/// The header rows of a message in their original order. Names are stored canonically
/// (compact forms expanded) and compared case-insensitively (§7.3.1). Values never contain CR or LF,
/// so a header cannot smuggle another header or end the message early.
/// </summary>
public sealed class SipHeaderCollection : IReadOnlyList<SipHeader>
{
    private readonly List<SipHeader> _headers = [];

    public int Count => _headers.Count;

    public SipHeader this[int index] => _headers[index];

    public void Add(string name, string value) => _headers.Add(Create(name, value));

    /// <summary>Inserts a row before all rows, e.g. a new top Via (§8.1.1.7) or a Record-Route.</summary>
    public void AddFirst(string name, string value) => _headers.Insert(0, Create(name, value));

    public bool Contains(string name) => IndexOf(name) >= 0;

    /// <summary>The value of the first row with that name, or null.</summary>
    public string? Get(string name)
    {
        var index = IndexOf(name);
        return index < 0 ? null : _headers[index].Value;
    }

    /// <summary>All row values with that name in order (rows are not split at commas).</summary>
    public IReadOnlyList<string> GetAll(string name)
    {
        var canonical = SipHeaderNames.Canonicalize(name);
        List<string>? values = null;
        foreach (var header in _headers)
        {
            if (string.Equals(header.Name, canonical, StringComparison.OrdinalIgnoreCase))
            {
                (values ??= []).Add(header.Value);
            }
        }

        return values ?? (IReadOnlyList<string>)[];
    }

    /// <summary>
    /// The individual values of a list header, whether written as several rows or as one comma-separated
    /// row (§7.3.1 says both are equivalent).
    /// </summary>
    public IReadOnlyList<string> GetListValues(string name)
    {
        var values = new List<string>();
        foreach (var row in GetAll(name))
        {
            values.AddRange(SipHeaderList.Split(row));
        }

        return values;
    }

    /// <summary>Replaces every row with that name by one row at the position of the first (or at the end).</summary>
    public void Set(string name, string value)
    {
        var header = Create(name, value);
        var index = IndexOf(name);
        if (index < 0)
        {
            _headers.Add(header);
            return;
        }

        _headers[index] = header;
        for (var i = _headers.Count - 1; i > index; i--)
        {
            if (string.Equals(_headers[i].Name, header.Name, StringComparison.OrdinalIgnoreCase))
            {
                _headers.RemoveAt(i);
            }
        }
    }

    /// <summary>Replaces the value of the first row with that name in place; false when there is none.</summary>
    public bool ReplaceFirst(string name, string value)
    {
        var index = IndexOf(name);
        if (index < 0)
        {
            return false;
        }

        _headers[index] = Create(name, value);
        return true;
    }

    /// <summary>Removes every row with that name; returns how many were removed.</summary>
    public int Remove(string name)
    {
        var canonical = SipHeaderNames.Canonicalize(name);
        return _headers.RemoveAll(h => string.Equals(h.Name, canonical, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Removes the first row with that name; returns whether one was found.</summary>
    public bool RemoveFirst(string name)
    {
        var index = IndexOf(name);
        if (index < 0)
        {
            return false;
        }

        _headers.RemoveAt(index);
        return true;
    }

    public void CopyFrom(SipHeaderCollection source, string name)
    {
        foreach (var value in source.GetAll(name))
        {
            Add(name, value);
        }
    }

    public SipHeaderCollection Clone()
    {
        var clone = new SipHeaderCollection();
        clone._headers.AddRange(_headers);
        return clone;
    }

    public IEnumerator<SipHeader> GetEnumerator() => _headers.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Adds a row that the parser has already validated and canonicalized.</summary>
    internal void AddParsed(SipHeader header) => _headers.Add(header);

    private int IndexOf(string name)
    {
        var canonical = SipHeaderNames.Canonicalize(name);
        for (var i = 0; i < _headers.Count; i++)
        {
            if (string.Equals(_headers[i].Name, canonical, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    private static SipHeader Create(string name, string value)
    {
        if (!SipGrammar.IsToken(name))
        {
            throw new ArgumentException($"Header name '{name}' is not a token.", nameof(name));
        }

        if (!SipGrammar.IsSafeHeaderValue(value))
        {
            throw new ArgumentException($"Value of header '{name}' contains CR, LF or NUL.", nameof(value));
        }

        return new SipHeader(SipHeaderNames.Canonicalize(name), value.Trim(SipGrammar.WhitespaceChars));
    }
}

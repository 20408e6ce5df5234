using System.Globalization;
using System.Text.Json;

namespace CallCenter.LoadTests.Scenarios;

/// <summary>
/// Reads the fields of one JSON object, recording a path-named error for each missing or
/// mistyped field instead of throwing, so that one pass reports every problem in a file.
/// </summary>
internal sealed class JsonObjectReader
{
    private readonly JsonElement _element;
    private readonly List<ScenarioError> _errors;
    private readonly List<ScenarioError> _warnings;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    private JsonObjectReader(JsonElement element, string path, List<ScenarioError> errors, List<ScenarioError> warnings)
    {
        _element = element;
        Path = path;
        _errors = errors;
        _warnings = warnings;
    }

    public string Path { get; }

    /// <summary>A reader for <paramref name="element"/>, or null (with an error) when it is not an object.</summary>
    public static JsonObjectReader? Of(JsonElement element, string path, List<ScenarioError> errors, List<ScenarioError> warnings)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new(path, $"expected an object, got {Describe(element)}"));
            return null;
        }
        return new JsonObjectReader(element, path, errors, warnings);
    }

    public string PathOf(string name) => $"{Path}.{name}";

    public void Error(string name, string message) => _errors.Add(new(PathOf(name), message));

    /// <summary>The field's value when present and not null.</summary>
    public bool TryGet(string name, out JsonElement value)
    {
        _read.Add(name);
        if (_element.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null)
        {
            return true;
        }
        value = default;
        return false;
    }

    public bool Has(string name) => _element.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null;

    public string? String(string name, bool required = false, bool allowEmpty = false)
    {
        if (!TryGet(name, out var value))
        {
            if (required)
            {
                Error(name, "required field is missing");
            }
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            Error(name, $"expected a string, got {Describe(value)}");
            return null;
        }
        var text = value.GetString()!;
        if (!allowEmpty && text.Length == 0)
        {
            Error(name, "must not be empty");
            return null;
        }
        return text;
    }

    public double? Number(string name, bool required = false, double? min = null, bool minExclusive = false, double? max = null)
    {
        if (!TryGet(name, out var value))
        {
            if (required)
            {
                Error(name, "required field is missing");
            }
            return null;
        }
        return CheckNumber(value, PathOf(name), min, minExclusive, max);
    }

    public double? CheckNumber(JsonElement value, string path, double? min, bool minExclusive, double? max)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number) || !double.IsFinite(number))
        {
            _errors.Add(new(path, $"expected a number, got {Describe(value)}"));
            return null;
        }
        if (min is { } lo && (minExclusive ? number <= lo : number < lo))
        {
            _errors.Add(new(path, $"must be {(minExclusive ? ">" : ">=")} {Format(lo)} (got {Format(number)})"));
            return null;
        }
        if (max is { } hi && number > hi)
        {
            _errors.Add(new(path, $"must be <= {Format(hi)} (got {Format(number)})"));
            return null;
        }
        return number;
    }

    public int? Integer(string name, bool required = false, int? min = null, int? max = null)
    {
        if (!TryGet(name, out var value))
        {
            if (required)
            {
                Error(name, "required field is missing");
            }
            return null;
        }
        return CheckInteger(value, PathOf(name), min, max);
    }

    public int? CheckInteger(JsonElement value, string path, int? min, int? max)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number))
        {
            _errors.Add(new(path, $"expected an integer, got {Describe(value)}"));
            return null;
        }
        if (min is { } lo && number < lo)
        {
            _errors.Add(new(path, $"must be >= {lo} (got {number})"));
            return null;
        }
        if (max is { } hi && number > hi)
        {
            _errors.Add(new(path, $"must be <= {hi} (got {number})"));
            return null;
        }
        return number;
    }

    public bool? Boolean(string name)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }
        if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            Error(name, $"expected true or false, got {Describe(value)}");
            return null;
        }
        return value.GetBoolean();
    }

    public JsonObjectReader? Object(string name, bool required = false)
    {
        if (!TryGet(name, out var value))
        {
            if (required)
            {
                Error(name, "required field is missing");
            }
            return null;
        }
        return Of(value, PathOf(name), _errors, _warnings);
    }

    /// <summary>The elements of an array field with their paths; empty (with an error if required) when absent.</summary>
    public IReadOnlyList<(JsonElement Element, string Path)> Array(string name, bool required = false, bool nonEmpty = false)
    {
        if (!TryGet(name, out var value))
        {
            if (required)
            {
                Error(name, "required field is missing");
            }
            return [];
        }
        if (value.ValueKind != JsonValueKind.Array)
        {
            Error(name, $"expected an array, got {Describe(value)}");
            return [];
        }
        var items = new List<(JsonElement, string)>();
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            items.Add((item, $"{PathOf(name)}[{i++}]"));
        }
        if (nonEmpty && items.Count == 0)
        {
            Error(name, "must not be empty");
        }
        return items;
    }

    /// <summary>An object of name → integer (skills, queue levels), each value checked.</summary>
    public Dictionary<string, int>? IntegerMap(string name, int min, int max, bool required = false)
    {
        var map = Object(name, required);
        if (map is null)
        {
            return null;
        }
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var property in map._element.EnumerateObject())
        {
            map._read.Add(property.Name);
            var path = map.PathOf(property.Name);
            if (property.Name.Length == 0)
            {
                _errors.Add(new(path, "a name must not be empty"));
                continue;
            }
            if (CheckInteger(property.Value, path, min, max) is { } level)
            {
                result[property.Name] = level;
            }
        }
        return result;
    }

    /// <summary>Warns about fields nobody read (likely typos); "description", "comment" and "_…" are notes.</summary>
    public void WarnUnknownFields()
    {
        foreach (var property in _element.EnumerateObject())
        {
            if (!_read.Contains(property.Name) && !IsNote(property.Name))
            {
                _warnings.Add(new(PathOf(property.Name), "unknown field (ignored)"));
            }
        }
    }

    private static bool IsNote(string name) =>
        name.StartsWith('_') || name.StartsWith('$') || name is "description" or "comment" or "notes";

    public static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"string \"{Truncate(value.GetString()!)}\"",
        JsonValueKind.Number => $"number {value.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        JsonValueKind.Null => "null",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => value.ValueKind.ToString(),
    };

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";

    public static string Format(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}

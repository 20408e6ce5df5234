namespace CallCenter.Telephony.Sip.Messages;

/// <summary>Splits a list header value at commas that are outside quoted strings and angle brackets (§7.3.1).</summary>
public static class SipHeaderList
{
    public static IReadOnlyList<string> Split(string value)
    {
        var parts = new List<string>();
        var inQuotes = false;
        var inAngles = false;
        var start = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (inQuotes)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inQuotes = false;
                }

                continue;
            }

            switch (c)
            {
                case '"':
                    inQuotes = true;
                    break;
                case '<':
                    inAngles = true;
                    break;
                case '>':
                    inAngles = false;
                    break;
                case ',' when !inAngles:
                    AddPart(parts, value, start, i);
                    start = i + 1;
                    break;
            }
        }

        AddPart(parts, value, start, value.Length);
        return parts;
    }

    private static void AddPart(List<string> parts, string value, int start, int end)
    {
        var part = value.AsSpan(start, end - start).Trim(" \t");
        parts.Add(part.ToString());
    }
}

using System.Collections.Immutable;

namespace CallCenter.Customers;

/// <summary>What makes a customer profile valid, and the one spelling of a phone number the directory keeps.</summary>
public static class CustomerRules
{
    public const int MaxNameLength = 100;
    public const int MaxPhones = 10;
    public const int MaxRegionLength = 50;
    public const int MaxNotesLength = 2000;
    public const int MaxIdLength = 40;
    private const int MinPhoneDigits = 3;
    private const int MaxPhoneDigits = 20;

    /// <summary>
    /// The caller id as the directory keys it: digits with an optional leading '+', separators
    /// people type (space, '-', '.', parentheses) removed. Null when it is not a phone number.
    /// </summary>
    public static string? NormalizePhone(string? phone)
    {
        if (string.IsNullOrWhiteSpace(phone))
        {
            return null;
        }
        var text = phone.Trim();
        var plus = text.StartsWith('+');
        var digits = new System.Text.StringBuilder(text.Length);
        foreach (var c in plus ? text[1..] : text)
        {
            if (c is >= '0' and <= '9')
            {
                digits.Append(c);
            }
            else if (c is not (' ' or '-' or '.' or '(' or ')'))
            {
                return null;
            }
        }
        return digits.Length is < MinPhoneDigits or > MaxPhoneDigits ? null : (plus ? "+" : "") + digits;
    }

    /// <summary>Reads a level by name, case-insensitive ("vip", "Gold"); numbers are not levels.</summary>
    public static bool TryParseLevel(string? text, out CustomerLevel level)
    {
        level = CustomerLevel.Normal;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }
        return !char.IsAsciiDigit(text.Trim()[0]) && Enum.TryParse(text.Trim(), ignoreCase: true, out level) && Enum.IsDefined(level);
    }

    public static string LevelName(CustomerLevel level) => level.ToString().ToLowerInvariant();

    /// <summary>
    /// The profile as it is stored (trimmed, numbers normalised), or the first reason it is not a
    /// valid profile. Uniqueness of numbers across customers is the directory's check, not this one.
    /// </summary>
    public static (CustomerProfile? Profile, string? Error) Normalize(CustomerProfile profile)
    {
        var id = profile.Id.Trim();
        if (id.Length > 0 && (id.Length > MaxIdLength || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            return (null, $"id '{id}' must be 1-{MaxIdLength} letters, digits, '-', '_' or '.'");
        }
        var name = profile.Name?.Trim() ?? "";
        if (name.Length == 0)
        {
            return (null, "name is missing");
        }
        if (name.Length > MaxNameLength)
        {
            return (null, $"name is longer than {MaxNameLength} characters");
        }
        if (name.Any(char.IsControl))
        {
            return (null, "name contains control characters");
        }
        if (!Enum.IsDefined(profile.Level))
        {
            return (null, $"level {(int)profile.Level} is not one of {string.Join(", ", Enum.GetValues<CustomerLevel>().Select(LevelName))}");
        }
        if (profile.Phones.IsDefaultOrEmpty)
        {
            return (null, "no phone number");
        }
        if (profile.Phones.Length > MaxPhones)
        {
            return (null, $"more than {MaxPhones} phone numbers");
        }
        var phones = ImmutableArray.CreateBuilder<string>(profile.Phones.Length);
        foreach (var raw in profile.Phones)
        {
            var phone = NormalizePhone(raw);
            if (phone is null)
            {
                return (null, $"phone '{raw}' is not a phone number ({MinPhoneDigits}-{MaxPhoneDigits} digits, optional leading '+')");
            }
            if (phones.Contains(phone))
            {
                return (null, $"phone {phone} is listed twice");
            }
            phones.Add(phone);
        }
        var region = string.IsNullOrWhiteSpace(profile.Region) ? null : profile.Region.Trim();
        if (region?.Length > MaxRegionLength)
        {
            return (null, $"region is longer than {MaxRegionLength} characters");
        }
        var notes = string.IsNullOrWhiteSpace(profile.Notes) ? null : profile.Notes.Trim();
        if (notes?.Length > MaxNotesLength)
        {
            return (null, $"notes are longer than {MaxNotesLength} characters");
        }
        return (profile with { Id = id, Name = name, Phones = phones.ToImmutable(), Region = region, Notes = notes }, null);
    }
}

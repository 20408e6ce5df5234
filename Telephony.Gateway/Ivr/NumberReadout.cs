using System.Collections.Immutable;
using System.Globalization;

namespace CallCenter.Telephony.Gateway.Ivr;

/// <summary>
/// Reads numbers out of per-language number prompts (IVR-2): digits 0-9, "point", "minus" and the currency
/// word, so a balance of 123.45 plays as "1 2 3 point 4 5 yuan". The prompt ids are built in (a menu may
/// override their texts in its prompts table); English and Chinese texts ship with the gateway.
/// </summary>
public static class NumberReadout
{
    public const string Point = "number.point";
    public const string Minus = "number.minus";
    public const string Currency = "number.currency";

    public static string Digit(int digit) => $"number.{digit}";

    public static ImmutableArray<string> PromptIds { get; } =
        [.. Enumerable.Range(0, 10).Select(Digit), Point, Minus, Currency];

    public static bool IsNumberPrompt(string promptId) => PromptIds.Contains(promptId);

    /// <summary>Built-in texts per language; other languages fall back to the menu's default language.</summary>
    public static ImmutableDictionary<string, ImmutableDictionary<string, string>> BuiltInTexts { get; } = BuildTexts();

    /// <summary>The prompts reading every decimal digit of <paramref name="value"/> one by one; other characters are skipped.</summary>
    public static ImmutableArray<string> Digits(string value) =>
        [.. value.Where(char.IsAsciiDigit).Select(c => Digit(c - '0'))];

    /// <summary>An amount: optional minus, the whole part digit by digit, then "point" and the cents when there are any,
    /// then the currency word. A value that is not a number is read digit by digit.</summary>
    public static ImmutableArray<string> Amount(string value)
    {
        if (!decimal.TryParse(value, NumberStyles.Number, CultureInfo.InvariantCulture, out var amount))
            return Digits(value);
        var rounded = Math.Round(Math.Abs(amount), 2, MidpointRounding.AwayFromZero);
        var text = rounded.ToString("0.00", CultureInfo.InvariantCulture);
        var whole = text[..^3];
        var cents = text[^2..];
        var prompts = ImmutableArray.CreateBuilder<string>();
        if (amount < 0 && rounded != 0)
            prompts.Add(Minus);
        prompts.AddRange(Digits(whole));
        if (cents != "00")
        {
            prompts.Add(Point);
            prompts.AddRange(Digits(cents));
        }
        prompts.Add(Currency);
        return prompts.ToImmutable();
    }

    private static ImmutableDictionary<string, ImmutableDictionary<string, string>> BuildTexts()
    {
        string[] en = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
        string[] zh = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
        var texts = ImmutableDictionary.CreateBuilder<string, ImmutableDictionary<string, string>>(StringComparer.Ordinal);
        for (var d = 0; d < 10; d++)
            texts[Digit(d)] = Pair(en[d], zh[d]);
        texts[Point] = Pair("point", "点");
        texts[Minus] = Pair("minus", "负");
        texts[Currency] = Pair("yuan", "元");
        return texts.ToImmutable();

        static ImmutableDictionary<string, string> Pair(string english, string chinese) =>
            ImmutableDictionary.CreateRange(StringComparer.Ordinal, [new("en", english), new KeyValuePair<string, string>("zh", chinese)]);
    }
}

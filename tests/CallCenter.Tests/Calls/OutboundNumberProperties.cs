using CallCenter.Calls;
using FsCheck;
using FsCheck.Fluent;

namespace CallCenter.Tests.Calls;

/// <summary>Which numbers click-to-dial accepts (CTI-4), and what a customer leg's final SIP answer means.</summary>
public sealed class OutboundNumberProperties
{
    private static readonly Arbitrary<string> ValidNumbers =
        (from plus in Gen.Elements(true, false)
         from length in Gen.Choose(OutboundNumber.MinLength, OutboundNumber.MaxLength)
         from digits in Gen.Elements("0123456789".ToCharArray()).ArrayOf(OutboundNumber.MaxLength)
         select plus ? "+" + new string(digits, 0, length - 1) : new string(digits, 0, length)).ToArbitrary();

    [FsCheck.Xunit.Property(MaxTest = 500)]
    public Property Digits_with_an_optional_leading_plus_of_3_to_20_characters_are_accepted() =>
        Prop.ForAll(ValidNumbers, number => OutboundNumber.Check(number) is null);

    [FsCheck.Xunit.Property(MaxTest = 500)]
    public Property A_valid_number_with_any_other_character_put_anywhere_is_refused() =>
        Prop.ForAll(ValidNumbers, Gen.Choose(0, 1000).ToArbitrary(), ArbMap.Default.ArbFor<char>(), (number, at, c) =>
        {
            var position = at % (number.Length + 1);
            if (char.IsAsciiDigit(c) || (c == '+' && position == 0 && number[0] != '+'))
            {
                return true;
            }
            var mutated = number.Insert(position, c.ToString());
            return mutated.Length > OutboundNumber.MaxLength || OutboundNumber.Check(mutated) is not null;
        });

    [FsCheck.Xunit.Property(MaxTest = 200)]
    public Property Too_short_or_too_long_digit_strings_are_refused() =>
        Prop.ForAll(Gen.Choose(0, 60).Where(n => n is < OutboundNumber.MinLength or > OutboundNumber.MaxLength).ToArbitrary(),
            length => OutboundNumber.Check(new string('7', length)) is not null);

    [Theory]
    [InlineData(486, false, CallOutcome.Busy)]
    [InlineData(600, false, CallOutcome.Busy)]
    [InlineData(603, false, CallOutcome.Busy)]
    [InlineData(480, false, CallOutcome.NoAnswer)]
    [InlineData(408, false, CallOutcome.NoAnswer)]
    [InlineData(487, true, CallOutcome.NoAnswer)]
    [InlineData(0, true, CallOutcome.NoAnswer)]
    [InlineData(404, false, CallOutcome.Failed)]
    [InlineData(503, false, CallOutcome.Failed)]
    [InlineData(0, false, CallOutcome.Failed)]
    public void A_final_answer_maps_to_the_outbound_outcome(int status, bool timedOut, CallOutcome expected) =>
        Assert.Equal(expected, OutboundNumber.OutcomeOf(status, timedOut));
}

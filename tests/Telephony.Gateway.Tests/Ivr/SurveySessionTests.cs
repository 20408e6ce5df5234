using CallCenter.Telephony.Gateway.Ivr;
using FsCheck;
using FsCheck.Fluent;

namespace CallCenter.Telephony.Gateway.Tests.Ivr;

public sealed class SurveySessionTests
{
    private static (SurveySession Survey, FakeLeg Leg) Survey(string language = "en")
    {
        var survey = new SurveySession(Demo.Survey, language);
        return (survey, FakeLeg.Start(survey));
    }

    [Theory]
    [InlineData('1', 1)]
    [InlineData('3', 3)]
    [InlineData('5', 5)]
    public void A_key_from_1_to_5_is_the_score_then_thanks_and_hang_up(char key, int score)
    {
        var (survey, leg) = Survey();
        Assert.Equal([new PromptRef("survey-question", "en")], ((PlayPrompts)leg.Log[0]).Prompts);
        leg.FinishPrompt();
        leg.Press(key.ToString());
        Assert.Equal(new SurveyAnswered(score), Assert.Single(leg.Log.OfType<SurveyAnswered>()));
        Assert.Equal(score, survey.Score);
        Assert.Empty(leg.Terminals);
        Assert.Equal([new PromptRef("survey-thanks", "en")], ((PlayPrompts)leg.Log[^1]).Prompts);
        leg.FinishPrompt();
        Assert.Equal(new HangUp("survey-complete"), Assert.Single(leg.Terminals));
    }

    [Fact]
    public void A_key_during_the_question_barges_in()
    {
        var (_, leg) = Survey();
        var actions = leg.Press("4");
        Assert.IsType<StopPrompts>(actions[0]);
        Assert.Equal(new SurveyAnswered(4), actions[1]);
    }

    [Fact]
    public void A_bad_key_asks_again_and_a_later_good_key_counts()
    {
        var (survey, leg) = Survey("zh");
        leg.FinishPrompt();
        leg.Press("7");
        Assert.Equal(["survey-invalid", "survey-question"], ((PlayPrompts)leg.Log[^1]).Prompts.Select(p => p.PromptId));
        Assert.All(((PlayPrompts)leg.Log[^1]).Prompts, p => Assert.Equal("zh", p.Language));
        leg.Press("2");
        Assert.Equal(2, survey.Score);
    }

    [Fact]
    public void Silence_beyond_the_retries_hangs_up_without_a_score()
    {
        var (survey, leg) = Survey();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            leg.FinishPrompt();
            Assert.Equal(TimeSpan.FromSeconds(10), leg.TimerTimeout);
            leg.TimeOut();
        }
        Assert.Equal(new HangUp("survey-no-answer"), Assert.Single(leg.Terminals));
        Assert.Null(survey.Score);
        Assert.Empty(leg.Log.OfType<SurveyAnswered>());
        Assert.Equal(IvrSessionState.Finished, survey.State);
    }

    [Fact]
    public void An_unknown_language_falls_back_to_the_surveys_default()
    {
        Assert.Equal("zh", new SurveySession(Demo.Survey, "fr").Language);
        Assert.Throws<ArgumentException>(() => new SurveySession(Demo.Hotline, "zh"));
    }

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property Any_key_sequence_ends_with_at_most_one_score_in_range_and_one_hang_up() =>
        Prop.ForAll(
            Gen.OneOf(Gen.Elements("0123456789*#ABCD".ToCharArray()).Select(c => (IvrEvent?)new DigitPressed(c)),
                    Gen.Constant<IvrEvent?>(null))
                .ArrayOf().ToArbitrary(),
            steps =>
            {
                var (survey, leg) = Survey();
                foreach (var step in steps)
                {
                    if (step is not null)
                        leg.Send(step);
                    else if (leg.Playback is not null)
                        leg.FinishPrompt();
                    else if (leg.Timer is not null)
                        leg.TimeOut();
                }
                for (var i = 0; i < 20 && leg.Terminals.Count == 0; i++)
                {
                    if (leg.Playback is not null)
                        leg.FinishPrompt();
                    else
                        leg.TimeOut();
                }
                var hangUp = Assert.IsType<HangUp>(Assert.Single(leg.Terminals));
                Assert.IsType<HangUp>(leg.Log[^1]);
                var scores = leg.Log.OfType<SurveyAnswered>().ToList();
                Assert.True(scores.Count <= 1);
                Assert.All(scores, s => Assert.InRange(s.Score, 1, 5));
                Assert.Equal(scores.Count == 1 ? "survey-complete" : "survey-no-answer", hangUp.Reason);
                Assert.Equal(scores.FirstOrDefault()?.Score, survey.Score);
            });
}

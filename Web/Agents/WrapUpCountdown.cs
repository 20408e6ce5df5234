namespace CallCenter.Web.Agents;

/// <summary>Seconds of after-call work left: from the wrap-up's start and the queue's wrap-up time; never negative.</summary>
public static class WrapUpCountdown
{
    public static TimeSpan Remaining(DateTimeOffset since, TimeSpan wrapUp, DateTimeOffset now) =>
        since + wrapUp - now is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero;
}

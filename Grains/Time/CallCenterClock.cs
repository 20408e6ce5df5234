namespace CallCenter.Time;

/// <summary>
/// The clock of the contact-center logic: every grain reads "now" and sizes its timers from it.
/// It is its own service, apart from the <see cref="TimeProvider"/> that Orleans itself reads
/// (membership, directory, activation collection), so that a simulation can run the center's
/// clock fast while the runtime keeps real time.
/// </summary>
public sealed class CallCenterClock(TimeProvider time)
{
    public static CallCenterClock System { get; } = new(TimeProvider.System);

    public TimeProvider Time { get; } = time;

    public DateTimeOffset Now => Time.GetUtcNow();

    /// <summary>The wall-clock span a grain timer must wait for <paramref name="span"/> of this clock's time.</summary>
    public TimeSpan ToWall(TimeSpan span) => Time.ToWall(span);
}

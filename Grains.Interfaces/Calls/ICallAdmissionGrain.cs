namespace CallCenter.Calls;

/// <summary>The answer of a silo's door: whether a new call would be refused now, and when to try again.</summary>
[GenerateSerializer, Immutable, Alias("calls.admission-answer")]
public sealed record AdmissionAnswer(
    [property: Id(0)] bool Open,
    [property: Id(1)] string? Reason,
    [property: Id(2)] int RetryAfterSeconds);

/// <summary>
/// Admission control asked before a call is answered (the SIP gateway answers 503 with Retry-After
/// when the door is shut). A stateless worker on the silo the asker talks to: no storage, no hop
/// beyond it. <see cref="ICallGrain.Start"/> checks the door again on the call's own silo.
/// </summary>
[Alias("calls.admission")]
public interface ICallAdmissionGrain : IGrainWithIntegerKey
{
    [Alias("check")] Task<AdmissionAnswer> Check();
}

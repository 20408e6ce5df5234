namespace CallCenter.Telephony.Gateway.Media;

/// <summary>The media plane cannot do what was asked (no free port, leg already disposed, no DTMF payload type).</summary>
public sealed class MediaException : Exception
{
    public MediaException()
    {
    }

    public MediaException(string message)
        : base(message)
    {
    }

    public MediaException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

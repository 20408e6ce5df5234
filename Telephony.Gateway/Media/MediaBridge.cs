namespace CallCenter.Telephony.Gateway.Media;

/// <summary>Two legs that hear each other (caller and agent). Disposing separates them; both go back to silence.</summary>
public sealed class MediaBridge : IDisposable
{
    private readonly Lock _gate;

    internal MediaBridge(Lock gate, RtpLeg first, RtpLeg second)
    {
        _gate = gate;
        First = first;
        Second = second;
    }

    public RtpLeg First { get; }

    public RtpLeg Second { get; }

    /// <summary>False once separated, by <see cref="Dispose"/> or by either leg moving elsewhere.</summary>
    public bool IsActive
    {
        get
        {
            lock (_gate)
            {
                return First.Bridge == this && Second.Bridge == this;
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            SeparateLocked();
        }
    }

    internal RtpLeg? Other(RtpLeg leg) => leg == First ? Second : leg == Second ? First : null;

    internal void SeparateLocked()
    {
        if (First.Bridge == this)
        {
            First.Bridge = null;
        }

        if (Second.Bridge == this)
        {
            Second.Bridge = null;
        }
    }
}

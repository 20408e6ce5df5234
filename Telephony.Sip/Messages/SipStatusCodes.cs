namespace CallCenter.Telephony.Sip.Messages;

/// <summary>Response codes used by this library (RFC 3261 §21) and their default reason phrases.</summary>
public static class SipStatusCodes
{
    public const int Trying = 100;
    public const int Ringing = 180;
    public const int SessionProgress = 183;
    public const int Ok = 200;
    public const int Accepted = 202;
    public const int BadRequest = 400;
    public const int Unauthorized = 401;
    public const int Forbidden = 403;
    public const int NotFound = 404;
    public const int MethodNotAllowed = 405;
    public const int ProxyAuthenticationRequired = 407;
    public const int RequestTimeout = 408;
    public const int UnsupportedMediaType = 415;
    public const int UnsupportedUriScheme = 416;
    public const int BadExtension = 420;
    public const int TemporarilyUnavailable = 480;
    public const int CallOrTransactionDoesNotExist = 481;
    public const int LoopDetected = 482;
    public const int TooManyHops = 483;
    public const int BusyHere = 486;
    public const int RequestTerminated = 487;
    public const int NotAcceptableHere = 488;
    public const int RequestPending = 491;
    public const int ServerInternalError = 500;
    public const int NotImplemented = 501;
    public const int ServiceUnavailable = 503;
    public const int ServerTimeout = 504;
    public const int VersionNotSupported = 505;
    public const int MessageTooLarge = 513;
    public const int Decline = 603;

    /// <summary>Lowest and highest codes the status-line grammar allows (RFC 3261 §7.2: 1xx..6xx).</summary>
    public const int Minimum = 100;
    public const int Maximum = 699;

    public static bool IsProvisional(int code) => code is >= 100 and < 200;

    public static bool IsSuccess(int code) => code is >= 200 and < 300;

    public static bool IsFinal(int code) => code >= 200;

    public static string DefaultReasonPhrase(int code) => code switch
    {
        Trying => "Trying",
        Ringing => "Ringing",
        SessionProgress => "Session Progress",
        Ok => "OK",
        Accepted => "Accepted",
        BadRequest => "Bad Request",
        Unauthorized => "Unauthorized",
        Forbidden => "Forbidden",
        NotFound => "Not Found",
        MethodNotAllowed => "Method Not Allowed",
        ProxyAuthenticationRequired => "Proxy Authentication Required",
        RequestTimeout => "Request Timeout",
        UnsupportedMediaType => "Unsupported Media Type",
        UnsupportedUriScheme => "Unsupported URI Scheme",
        BadExtension => "Bad Extension",
        TemporarilyUnavailable => "Temporarily Unavailable",
        CallOrTransactionDoesNotExist => "Call/Transaction Does Not Exist",
        LoopDetected => "Loop Detected",
        TooManyHops => "Too Many Hops",
        BusyHere => "Busy Here",
        RequestTerminated => "Request Terminated",
        NotAcceptableHere => "Not Acceptable Here",
        RequestPending => "Request Pending",
        ServerInternalError => "Server Internal Error",
        NotImplemented => "Not Implemented",
        ServiceUnavailable => "Service Unavailable",
        ServerTimeout => "Server Time-out",
        VersionNotSupported => "Version Not Supported",
        MessageTooLarge => "Message Too Large",
        Decline => "Decline",
        _ => (code / 100) switch
        {
            1 => "Provisional",
            2 => "Success",
            3 => "Redirection",
            4 => "Client Error",
            5 => "Server Error",
            _ => "Global Failure",
        },
    };
}

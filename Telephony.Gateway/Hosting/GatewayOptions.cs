namespace CallCenter.Telephony.Gateway.Hosting;

/// <summary>The SIP media gateway's settings (section <c>CallCenter:Gateway</c>).</summary>
public sealed class GatewayOptions
{
    public const string Section = "CallCenter:Gateway";

    /// <summary>
    /// Whether the silo hosts the gateway. Unset: on in the embedded default (memory storage), off
    /// for the silos of a PostgreSQL cluster, where one silo per host is given <c>--gateway true</c>
    /// (several silos on one host cannot all listen on 5060).
    /// </summary>
    public bool? Enabled { get; set; }
    /// <summary>The address SIP and RTP bind to and announce; loopback unless the gateway faces a network.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";
    /// <summary>SIP port for UDP and TCP; 0 picks a free one (tests).</summary>
    public int SipPort { get; set; } = 5060;
    public bool Udp { get; set; } = true;
    public bool Tcp { get; set; } = true;
    public int RtpPortMin { get; set; } = 20000;
    public int RtpPortMax { get; set; } = 29999;
    /// <summary>Server transactions one source address may hold open (503 with Retry-After beyond it); a trunk needs many.</summary>
    public int MaxTransactionsPerSource { get; set; } = Telephony.Sip.Transactions.SipTransactionOptions.DefaultMaxServerTransactionsPerSource;
    /// <summary>Digest realm agents' phones authenticate in.</summary>
    public string Realm { get; set; } = "callcenter";
    /// <summary>IVR menus (JSON, reloaded when they change); the demo menus beside the program by default.</summary>
    public string? MenusFolder { get; set; }
    /// <summary>Generated prompt audio (espeak-ng); under the user's data folder by default.</summary>
    public string? PromptFolder { get; set; }
    /// <summary>Call recordings and voicemail (CTI-3); under the user's data folder by default.</summary>
    public string? RecordingFolder { get; set; }
    public bool RecordCalls { get; set; } = true;
    /// <summary>
    /// Click-to-dial trunk (CTI-4): a SIP URI template such as <c>sip:{number}@127.0.0.1:5080</c>, its host an IP address.
    /// Unset: agents cannot dial out (Dial is refused with "no outbound trunk").
    /// </summary>
    public string? Trunk { get; set; }
    /// <summary>How long an outbound call rings the agent's phone, and then the customer, before it gives up (no answer).</summary>
    public double OutboundRingSeconds { get; set; } = 30;
    /// <summary>Digest password of every agent's phone unless <see cref="AgentPasswords"/> names the agent.</summary>
    public string AgentPassword { get; set; } = "agent";
    public Dictionary<string, string> AgentPasswords { get; set; } = new(StringComparer.Ordinal);
    /// <summary>
    /// Supervisors' phones (WB-2), SIP user to digest password: they register like agents' phones but are never
    /// logged in as agents; the console's listen / whisper / barge rings them. The web user name is the SIP user.
    /// </summary>
    public Dictionary<string, string> Supervisors { get; set; } = new(StringComparer.Ordinal) { ["supervisor"] = "supervisor" };
    /// <summary>An agent whose phone registers is logged in ready (as app_queue's dynamic members are); otherwise not-ready until the desktop says ready.</summary>
    public bool ReadyOnRegister { get; set; } = true;
    /// <summary>How long a service number rings before the IVR answers (0: at once).</summary>
    public double RingSeconds { get; set; }
    /// <summary>Seconds between a waiting caller's position announcements.</summary>
    public double AnnouncementSeconds { get; set; } = 30;
    /// <summary>Whether a caller whose agent hangs up hears the post-call survey (IVR-3).</summary>
    public bool Survey { get; set; } = true;
    /// <summary>Longest voicemail a caller may leave.</summary>
    public double VoicemailSeconds { get; set; } = 60;
    /// <summary>Simulated agent phones that register over SIP and answer (<c>--demo-agents N</c>).</summary>
    public int DemoAgents { get; set; }
    /// <summary>Queues the simulated agents serve; the silo fills in its demo center's queues when empty.</summary>
    public List<string> DemoAgentQueues { get; set; } = [];
    public double DemoAnswerSeconds { get; set; } = 2;
    public double DemoHandleSeconds { get; set; } = 20;
    /// <summary>Handle times drawn from an exponential distribution around DemoHandleSeconds (as real talk times spread); false: every call exactly that long (benchmarks, where the caller hangs up first).</summary>
    public bool DemoHandleExponential { get; set; } = true;

    public string MenusFolderOrDefault => MenusFolder ?? Path.Combine(AppContext.BaseDirectory, "Ivr", "Menus");
    public string PromptFolderOrDefault => PromptFolder ?? DataFolder("prompts");
    public string RecordingFolderOrDefault => RecordingFolder ?? DataFolder("recordings");

    public bool IsSupervisor(string user) => Supervisors.ContainsKey(user);

    public string PasswordOf(string agentId) => AgentPasswords.TryGetValue(agentId, out var password) ? password : AgentPassword;

    private static string DataFolder(string name) => Path.Combine(
        Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "callcenter", name);

    /// <summary>Every problem, named by its configuration key.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!IPAddress.TryParse(ListenAddress, out _)) errors.Add($"{Section}:ListenAddress '{ListenAddress}' is not an IP address");
        if (SipPort is < 0 or > 65535) errors.Add($"{Section}:SipPort {SipPort} is not a port (0-65535)");
        if (MaxTransactionsPerSource is < 1 or > 1_000_000) errors.Add($"{Section}:MaxTransactionsPerSource must be between 1 and 1000000");
        if (!Udp && !Tcp) errors.Add($"{Section}: at least one of Udp and Tcp must be on");
        if (RtpPortMin is < 1024 or > 65534 || RtpPortMax is < 1025 or > 65535 || RtpPortMax <= RtpPortMin)
            errors.Add($"{Section}:RtpPortMin/RtpPortMax {RtpPortMin}-{RtpPortMax} must be a range within 1024-65535");
        if (string.IsNullOrWhiteSpace(Realm)) errors.Add($"{Section}:Realm must not be empty");
        if (string.IsNullOrEmpty(AgentPassword)) errors.Add($"{Section}:AgentPassword must not be empty");
        foreach (var (user, password) in Supervisors)
        {
            if (!Calls.AgentCredentials.IsAgentId(user)) errors.Add($"{Section}:Supervisors: '{user}' is not a SIP user name (letters, digits, - _ .)");
            if (string.IsNullOrEmpty(password)) errors.Add($"{Section}:Supervisors:{user} needs a password");
        }
        if (!string.IsNullOrWhiteSpace(Trunk) && Calls.OutboundTrunk.Check(Trunk) is { } trunkError) errors.Add($"{Section}:Trunk {trunkError}");
        if (!(OutboundRingSeconds is >= 1 and <= 300)) errors.Add($"{Section}:OutboundRingSeconds must be between 1 and 300");
        if (!(RingSeconds is >= 0 and <= 60)) errors.Add($"{Section}:RingSeconds must be between 0 and 60");
        if (!(AnnouncementSeconds is >= 5 and <= 600)) errors.Add($"{Section}:AnnouncementSeconds must be between 5 and 600");
        if (!(VoicemailSeconds is >= 5 and <= 600)) errors.Add($"{Section}:VoicemailSeconds must be between 5 and 600");
        if (DemoAgents is < 0 or > 5000) errors.Add($"{Section}:DemoAgents must be between 0 and 5000");
        if (!(DemoAnswerSeconds is >= 0 and <= 120)) errors.Add($"{Section}:DemoAnswerSeconds must be between 0 and 120");
        if (!(DemoHandleSeconds is > 0 and <= 3600)) errors.Add($"{Section}:DemoHandleSeconds must be between 0 and 3600");
        return errors;
    }
}

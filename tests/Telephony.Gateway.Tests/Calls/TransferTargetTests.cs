using CallCenter.Calls;
using CallCenter.Telephony.Gateway.Calls;
using CallCenter.Telephony.Sip.Messages;

namespace CallCenter.Telephony.Gateway.Tests.Calls;

/// <summary>What an agent phone's Refer-To names (CTI-2): an agent, a queue ("queue/ID"), an IVR node ("ivr/NODE"), or nothing.</summary>
public sealed class TransferTargetTests
{
    [Theory]
    [InlineData("sip:agent-8@127.0.0.1:5060", TransferTargetKind.Agent, "agent-8")]
    [InlineData("sip:queue/billing@127.0.0.1:5060", TransferTargetKind.Queue, "billing")]
    [InlineData("sip:QUEUE/billing@gateway", TransferTargetKind.Queue, "billing")]
    [InlineData("sip:queue%2Fbilling@gateway", TransferTargetKind.Queue, "billing")]
    [InlineData("sip:ivr/main@127.0.0.1:5060", TransferTargetKind.Ivr, "main")]
    [InlineData("sip:IVR%2Flookup-failed@gateway", TransferTargetKind.Ivr, "lookup-failed")]
    public void A_refer_to_user_names_an_agent_or_a_queue(string uri, TransferTargetKind kind, string id)
    {
        var target = AgentLine.TargetOf(SipUri.Parse(uri));

        Assert.Equal(new TransferTarget(kind, id), target);
    }

    [Theory]
    [InlineData("sip:127.0.0.1:5060")]
    [InlineData("sip:queue/@gateway")]
    [InlineData("sip:ivr/@gateway")]
    public void A_refer_to_with_no_agent_or_queue_names_nothing(string uri) =>
        Assert.Null(AgentLine.TargetOf(SipUri.Parse(uri)));
}

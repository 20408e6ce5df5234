using CallCenter.Agents;
using CallCenter.LoadTests.Failover;

namespace CallCenter.LoadTests.Tests.Failover;

public sealed class AgentConsistencyTests
{
    [Theory]
    [InlineData(PhoneState.Idle, null, AgentState.Ready, null)]
    [InlineData(PhoneState.Idle, null, AgentState.Reserved, "c1")]
    [InlineData(PhoneState.Idle, null, AgentState.NotReady, null)]
    [InlineData(PhoneState.Idle, null, AgentState.WrapUp, "c1")]
    [InlineData(PhoneState.OnCall, "c1", AgentState.OnCall, "c1")]
    [InlineData(PhoneState.OnCall, "c1", AgentState.OnHold, "c1")]
    [InlineData(PhoneState.Ringing, "c1", AgentState.Reserved, "c1")]
    [InlineData(PhoneState.Ringing, "c1", AgentState.Ready, null)]
    [InlineData(PhoneState.Answering, "c1", AgentState.OnCall, "c1")]
    [InlineData(PhoneState.Answering, "c1", AgentState.Ready, null)]
    [InlineData(PhoneState.HangingUp, "c1", AgentState.OnCall, "c1")]
    [InlineData(PhoneState.HangingUp, "c1", AgentState.Ready, null)]
    public void These_agree(PhoneState phone, string? phoneCall, AgentState agent, string? agentCall)
    {
        Assert.Null(AgentConsistency.Disagreement(new PhoneView(phone, phoneCall), agent, agentCall));
    }

    [Theory]
    [InlineData(PhoneState.Idle, null, AgentState.OnCall, "c1")]
    [InlineData(PhoneState.Idle, null, AgentState.OnHold, "c1")]
    [InlineData(PhoneState.OnCall, "c1", AgentState.Ready, null)]
    [InlineData(PhoneState.OnCall, "c1", AgentState.OnCall, "c2")]
    [InlineData(PhoneState.OnCall, "c1", AgentState.WrapUp, "c1")]
    [InlineData(PhoneState.Ringing, "c1", AgentState.OnCall, "c2")]
    [InlineData(PhoneState.Answering, "c1", AgentState.OnCall, "c2")]
    [InlineData(PhoneState.HangingUp, "c1", AgentState.OnHold, "c2")]
    [InlineData(PhoneState.Idle, null, AgentState.LoggedOut, null)]
    [InlineData(PhoneState.OnCall, "c1", AgentState.LoggedOut, null)]
    public void These_disagree(PhoneState phone, string? phoneCall, AgentState agent, string? agentCall)
    {
        Assert.NotNull(AgentConsistency.Disagreement(new PhoneView(phone, phoneCall), agent, agentCall));
    }
}

using CallCenter.Telephony.Gateway.Sip;
using CallCenter.Telephony.Gateway.Tests.Sip.Support;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Sdp;
using CallCenter.Telephony.Sip.Transport;
using FsCheck;
using FsCheck.Fluent;

namespace CallCenter.Telephony.Gateway.Tests.Sip;

/// <summary>
/// Random sequences of call events (calls both ways, ringing, answers, rejections, CANCEL, BYE from either side,
/// hold re-INVITEs, lost messages, time passing) never leave a transaction or a dialog behind once every call is
/// over and the RFC 3261 timers have run out on the fake clock.
/// </summary>
[Collection(RealTimeCollection.Name)]
public sealed class CallLifecyclePropertyTests
{
    private const int Cases = 150;
    private const int MaxCalls = 4;

    public enum Step
    {
        PhoneCalls,
        GatewayCalls,
        Ring,
        Answer,
        Reject,
        CallerCancels,
        CallerHangsUp,
        CalleeHangsUp,
        CallerHolds,
        CalleeHolds,
        DropNextMessage,
        AdvanceShort,
        AdvanceLong,
    }

    public readonly record struct Event(Step Step, int Pick);

    [Theory]
    [InlineData(SipTransportProtocol.Udp)]
    [InlineData(SipTransportProtocol.Tcp)]
    public void Random_call_events_leave_no_transaction_or_dialog_behind(SipTransportProtocol protocol)
    {
        var events =
            from step in Gen.Elements(Enum.GetValues<Step>())
            from pick in Gen.Choose(0, MaxCalls - 1)
            select new Event(step, pick);
        var scenarios = Gen.ListOf(events).Select(list => list.ToArray());

        Prop.ForAll(Arb.From(scenarios, Shorter), scenario => RunAsync(protocol, scenario))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(Cases).WithQuietOnSuccess(true));
    }

    private static async Task<bool> RunAsync(SipTransportProtocol protocol, Event[] scenario)
    {
        await using var pair = await AgentPair.StartAsync(protocol);
        var outgoing = new List<OutgoingCall>();
        var incoming = new List<IncomingCall>();
        pair.Gateway.OnIncomingCall = Collect(incoming);
        pair.Phone.OnIncomingCall = Collect(incoming);
        var drops = 0;
        pair.Network.Drop = _ => drops > 0 && drops-- > 0;

        foreach (var step in scenario)
        {
            Apply(pair, step, outgoing, incoming, () => drops++);
            pair.Network.Pump();
        }

        pair.Network.Drop = null;
        for (var round = 0; round < 2; round++)
        {
            foreach (var call in outgoing.Cast<SipCall>().Concat(incoming).ToList())
            {
                Observe(call.HangupAsync());
            }

            pair.RunTimersOut();
        }

        // Background continuations (BYE after ACK, NOTIFY chains) may still be finishing on the thread pool.
        // A call's Ended completes on its own thread a moment after the counters drop: wait for both.
        var calls = outgoing.Cast<SipCall>().Concat(incoming).ToList();
        await pair.Network.PumpUntilAsync(() => Settled(pair.Gateway) && Settled(pair.Phone) && calls.All(c => c.Ended.IsCompleted) || Timeout(pair));
        if (Settled(pair.Gateway) && Settled(pair.Phone) && calls.All(c => c.Ended.IsCompleted))
        {
            return true;
        }

        // Thrown rather than returned so that the shrunk counterexample says what was left behind.
        throw new InvalidOperationException(
            $"left behind: gateway {Describe(pair.Gateway)}, phone {Describe(pair.Phone)}; calls "
            + string.Join(", ", calls.Select(c => $"{c.CallId} {c.State}{(c.Ended.IsCompleted ? " ended" : "")}")));
    }

    private static string Describe(SipUserAgent agent) =>
        $"{agent.Counters.ClientTransactions} client and {agent.Counters.ServerTransactions} server transactions, {agent.Counters.Dialogs} dialogs";

    /// <summary>Shrinks a failing scenario by dropping runs of events, halves first, then single events.</summary>
    private static IEnumerable<Event[]> Shorter(Event[] scenario)
    {
        for (var run = scenario.Length / 2; run >= 1; run /= 2)
        {
            for (var start = 0; start + run <= scenario.Length; start += run)
            {
                yield return [.. scenario[..start], .. scenario[(start + run)..]];
            }
        }
    }

    private static bool Settled(SipUserAgent agent) => agent.Counters.Transactions == 0 && agent.Counters.Dialogs == 0;

    /// <summary>Gives background work a moment, then lets the property report what is left.</summary>
    private static bool Timeout(AgentPair pair)
    {
        pair.Clock.Advance(TimeSpan.FromSeconds(1));
        return ++pair.SettleAttempts > 200;
    }

    private static Func<IncomingCall, Task> Collect(List<IncomingCall> incoming) => call =>
    {
        lock (incoming)
        {
            incoming.Add(call);
        }

        return Task.CompletedTask;
    };

    private static void Apply(AgentPair pair, Event step, List<OutgoingCall> outgoing, List<IncomingCall> incoming, Action dropNext)
    {
        var caller = outgoing.Count > 0 ? outgoing[step.Pick % outgoing.Count] : null;
        IncomingCall? callee;
        lock (incoming)
        {
            callee = incoming.Count > 0 ? incoming[step.Pick % incoming.Count] : null;
        }

        var pending = callee?.State is SipCallState.Offered or SipCallState.Early;
        switch (step.Step)
        {
            case Step.PhoneCalls when outgoing.Count < MaxCalls:
                outgoing.Add(pair.PhoneCallsGateway());
                break;
            case Step.GatewayCalls when outgoing.Count < MaxCalls:
                outgoing.Add(pair.GatewayCallsPhone());
                break;
            case Step.Ring when pending:
                callee!.Ring();
                break;
            case Step.Answer when pending:
                Observe(callee!.AnswerAsync(TestSdp.Answer(callee.Offer ?? TestSdp.Offer())));
                break;
            case Step.Reject when pending:
                callee!.Reject(486, "Busy Here");
                break;
            case Step.CallerCancels:
                caller?.Cancel();
                break;
            case Step.CallerHangsUp when caller is not null:
                Observe(caller.HangupAsync());
                break;
            case Step.CalleeHangsUp when callee is not null:
                Observe(callee.HangupAsync());
                break;
            case Step.CallerHolds when caller is not null:
                Observe(caller.ReinviteAsync(TestSdp.Offer(direction: SdpDirection.SendOnly)));
                break;
            case Step.CalleeHolds when callee is not null:
                Observe(callee.ReinviteAsync(TestSdp.Offer(direction: SdpDirection.Inactive)));
                break;
            case Step.DropNextMessage:
                dropNext();
                break;
            case Step.AdvanceShort:
                pair.Clock.Advance(TimeSpan.FromMilliseconds(250 * (step.Pick + 1)));
                break;
            case Step.AdvanceLong:
                pair.Clock.Advance(TimeSpan.FromSeconds(8 * (step.Pick + 1)));
                break;
        }
    }

    /// <summary>Fire-and-forget in the scenario; a fault would be a bug and fails the property through the counters.</summary>
    private static void Observe(Task task) => _ = task.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
}

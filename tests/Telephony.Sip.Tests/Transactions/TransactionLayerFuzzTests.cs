using System.Net;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Parsing;
using CallCenter.Telephony.Sip.Tests.Support;
using CallCenter.Telephony.Sip.Transactions;
using CallCenter.Telephony.Sip.Transport;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.Time.Testing;

namespace CallCenter.Telephony.Sip.Tests.Transactions;

public sealed class TransactionLayerFuzzTests
{
    private static readonly IPEndPoint Peer = new(IPAddress.Parse("192.0.2.10"), 5062);

    [Fact]
    public void Any_message_or_mutation_fed_to_the_layer_is_handled_without_exceptions()
    {
        var inputs =
            from message in SipGenerators.Message
            let bytes = SipMessageWriter.Write(message)
            from cut in Gen.Choose(0, 3)
            from position in Gen.Choose(0, bytes.Length)
            select cut == 0 ? bytes : bytes[..position];

        FuzzSettings.Check(inputs, bytes =>
        {
            var time = new FakeTimeProvider();
            var user = new RecordingTransactionUser { Answer = t => t.SendResponse(t.CreateResponse(SipStatusCodes.Ok)) };
            var layer = new SipTransactionLayer(user, time: time);
            var transport = new FakeTransport(time, SipTransportProtocol.Udp);
            layer.AddTransport(transport);

            transport.InjectBytes(bytes, Peer);
            transport.InjectBytes(bytes, Peer);
            time.Advance(TimeSpan.FromSeconds(64));

            // Whatever came in, everything we sent parses, and no transaction outlives its timers.
            return transport.SentMessages.All(s => s.Message is SipResponse) && layer.ServerTransactionCount == 0;
        });
    }
}

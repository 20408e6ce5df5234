using System.Collections.Immutable;
using CallCenter.Tickets;

namespace CallCenter.Web.Tickets;

/// <summary>What the viewer typed beside one action button of the detail page.</summary>
public sealed class TicketActionInputs
{
    public string? Target { get; set; }
    public string? Person { get; set; }
    /// <summary>The reason, note, handling result or answer, depending on the action.</summary>
    public string Text { get; set; } = "";
    public decimal? Amount { get; set; }
    public string? Office { get; set; }
    public int Minutes { get; set; } = 8 * 60;
    public string? Channel { get; set; }
    public bool Satisfied { get; set; } = true;
    public int Score { get; set; } = 5;
    /// <summary>False refuses a countersign step (the signatures start over).</summary>
    public bool Approve { get; set; } = true;

    /// <summary>
    /// The action these inputs make. Blank reasons and the like go to the grain as typed: its
    /// workflow gives the clear error (and changes nothing), so the page never has rules of its own to drift.
    /// </summary>
    public TicketAction ToAction(TicketEventKind kind) => kind switch
    {
        TicketEventKind.Dispatched => new Dispatch(Target ?? "", Blank(Person) ? null : Person!.Trim()),
        TicketEventKind.Transferred => new Transfer(Target ?? "", Text),
        TicketEventKind.Returned => new ReturnToSender(Text),
        TicketEventKind.Replied => new SendReply(Reply()),
        TicketEventKind.ReplyReturned => new ReturnReply(Text),
        TicketEventKind.Urged => new Urge(Text),
        TicketEventKind.JointRequested => new RequestJointHandling(Blank(Target) ? [] : [Target!]),
        TicketEventKind.JointAccepted => new AcceptJointHandling(),
        TicketEventKind.JointRefused => new RefuseJointHandling(Text),
        TicketEventKind.JointReplied => new ReplyJointPart(Reply()),
        TicketEventKind.ExtensionRequested => new RequestExtension(Minutes, Text),
        TicketEventKind.ExtensionApproved => new ApproveExtension(),
        TicketEventKind.ExtensionRejected => new RejectExtension(Text),
        TicketEventKind.Closed => new CloseTicket(Channel ?? "", Text),
        TicketEventKind.Surveyed => new RecordSurvey(Satisfied, Score, Blank(Text) ? null : Text.Trim()),
        TicketEventKind.Reopened => new Reopen(Text),
        TicketEventKind.FlowStepDone => new CompleteFlowStep(Approve, Blank(Text) ? null : Text.Trim()),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "The detail page offers no such action."),
    };

    /// <summary>Which inputs the page shows beside the button of <paramref name="kind"/>.</summary>
    public static ImmutableArray<string> FieldsOf(TicketEventKind kind) => kind switch
    {
        TicketEventKind.Dispatched => ["target", "person"],
        TicketEventKind.Transferred => ["target", "reason"],
        TicketEventKind.Returned or TicketEventKind.ReplyReturned or TicketEventKind.JointRefused
            or TicketEventKind.ExtensionRejected or TicketEventKind.Reopened => ["reason"],
        TicketEventKind.Urged => ["note"],
        TicketEventKind.Replied or TicketEventKind.JointReplied => ["result", "amount", "office"],
        TicketEventKind.JointRequested => ["target"],
        TicketEventKind.ExtensionRequested => ["minutes", "reason"],
        TicketEventKind.Closed => ["channel", "answer"],
        TicketEventKind.Surveyed => ["satisfied", "score", "note"],
        TicketEventKind.FlowStepDone => ["approve", "note"],
        _ => [],
    };

    private TicketReply Reply() => new(Text, Amount, Blank(Office) ? null : Office!.Trim());

    private static bool Blank(string? text) => string.IsNullOrWhiteSpace(text);
}

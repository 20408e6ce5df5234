namespace CallCenter.Tickets;

/// <summary>An action the ticket's state or the actor's department does not allow; the ticket is unchanged.</summary>
[GenerateSerializer, Alias("tickets.illegal-action")]
public sealed class IllegalTicketActionException : Exception
{
    public IllegalTicketActionException()
    {
    }

    public IllegalTicketActionException(string message) : base(message)
    {
    }

    public IllegalTicketActionException(string message, Exception inner) : base(message, inner)
    {
    }
}

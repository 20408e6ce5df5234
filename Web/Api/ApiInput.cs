using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CallCenter.Web.Api;

/// <summary>The API's checks of ids and fields, and its RFC 9457 problem details.</summary>
public static class ApiInput
{
    public const int MaxIdLength = 100;
    public const int MaxReasonLength = 40;

    /// <summary>
    /// Ids are what the center creates (letters, digits and . _ : @ + -): anything else cannot name
    /// an agent, queue, call or region, and is refused before any grain is touched.
    /// </summary>
    public static string? IdError(string? id)
    {
        if (string.IsNullOrWhiteSpace(id))
            return "The id is empty.";
        if (id.Length > MaxIdLength)
            return $"The id is longer than {MaxIdLength} characters.";
        if (!id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '@' or '+' or '-'))
            return "The id may hold only letters, digits and . _ : @ + -";
        return null;
    }

    public static ProblemHttpResult? IdProblem(string field, string? id) => IdError(id) is { } error ? Invalid(field, error) : null;

    public static ProblemHttpResult Invalid(string field, string message) =>
        TypedResults.Problem(ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }));

    /// <summary>A 400 problem whose <c>errors</c> name each field with its messages.</summary>
    public static ProblemDetails ValidationProblem(IDictionary<string, string[]> errors) =>
        new HttpValidationProblemDetails(errors)
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request is not valid; nothing was changed.",
            Type = "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        };

    public static ProblemHttpResult NotFound(string what, string id) =>
        TypedResults.Problem($"There is no {what} '{id}'.", statusCode: StatusCodes.Status404NotFound, title: $"Unknown {what}.");
}

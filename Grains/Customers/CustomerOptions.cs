using Microsoft.Extensions.Options;

namespace CallCenter.Customers;

/// <summary>How customer levels raise the priority of their calls (section "CallCenter:Customers").</summary>
public sealed class CustomerOptions
{
    public const string Section = "CallCenter:Customers";
    public const int MaxPriority = 1000;

    /// <summary>
    /// The lowest priority a known caller's call enters its queue with, per level; levels not
    /// listed keep the priority the call arrived with. Higher priority is served first.
    /// </summary>
    public Dictionary<CustomerLevel, int> MinimumPriority { get; set; } = new() { [CustomerLevel.Vip] = 10 };

    /// <summary>How often a silo checks whether its copy of the caller index is current.</summary>
    public TimeSpan CallerIndexRefresh { get; set; } = TimeSpan.FromSeconds(1);

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        foreach (var (level, priority) in MinimumPriority)
        {
            if (!Enum.IsDefined(level))
            {
                errors.Add($"{Section}:MinimumPriority names no level '{level}'.");
            }
            else if (priority is < 0 or > MaxPriority)
            {
                errors.Add($"{Section}:MinimumPriority:{level} must be between 0 and {MaxPriority}, not {priority}.");
            }
        }
        // A higher level must never be served after a lower one only because of its level.
        var floors = Enum.GetValues<CustomerLevel>().Select(l => MinimumPriority.GetValueOrDefault(l)).ToList();
        for (var i = 1; i < floors.Count; i++)
        {
            if (floors[i] < floors[i - 1])
            {
                errors.Add($"{Section}:MinimumPriority must not fall from {(CustomerLevel)(i - 1)} ({floors[i - 1]}) to {(CustomerLevel)i} ({floors[i]}).");
            }
        }
        if (CallerIndexRefresh <= TimeSpan.Zero)
        {
            errors.Add($"{Section}:CallerIndexRefresh must be positive.");
        }
        return errors;
    }
}

public sealed class CustomerOptionsValidator : IValidateOptions<CustomerOptions>
{
    public ValidateOptionsResult Validate(string? name, CustomerOptions options) =>
        options.Validate() is { Count: > 0 } errors ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
}

/// <summary>The priority policy for known callers: a floor per level, never a reduction.</summary>
public static class CustomerPriority
{
    public static int Raise(int priority, CustomerLevel? level, IReadOnlyDictionary<CustomerLevel, int> minimum) =>
        level is { } known && minimum.TryGetValue(known, out var floor) ? Math.Max(priority, floor) : priority;
}

namespace CallCenter.LoadTests.Scenarios;

/// <summary>One problem in a scenario file, named by its JSON path ("scenario.queues[1].strategy").</summary>
public sealed record ScenarioError(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>The scenario cannot run; every problem found is listed, nothing has started.</summary>
public sealed class ScenarioException(IReadOnlyList<ScenarioError> errors)
    : Exception(string.Join(Environment.NewLine, errors))
{
    public IReadOnlyList<ScenarioError> Errors { get; } = errors;
}

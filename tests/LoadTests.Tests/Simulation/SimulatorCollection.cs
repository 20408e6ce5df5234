using System.Text;
using Xunit.Abstractions;

namespace CallCenter.LoadTests.Tests.Simulation;

/// <summary>
/// Tests that start a silo and drive it on a fast clock. They run one at a time: two such runs
/// side by side on a two-core machine would slow each other's timers and skew the figures.
/// Each run picks its own free ports, so they do not depend on order.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SimulatorCollection
{
    public const string Name = "simulator";
}

/// <summary>Progress lines into the test's output.</summary>
public sealed class TestOutputWriter(ITestOutputHelper output) : TextWriter
{
    private readonly StringBuilder _line = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        lock (_line)
        {
            if (value == '\n')
            {
                Flush();
                return;
            }
            if (value != '\r')
            {
                _line.Append(value);
            }
        }
    }

    public override void WriteLine(string? value)
    {
        lock (_line)
        {
            _line.Append(value);
            Flush();
        }
    }

    public override void Flush()
    {
        lock (_line)
        {
            if (_line.Length > 0)
            {
                try
                {
                    output.WriteLine(_line.ToString());
                }
                catch (InvalidOperationException)
                {
                    // The test already finished: a late progress line has nowhere to go.
                }
                _line.Clear();
            }
        }
    }
}

using System.Globalization;

namespace CallCenter.LoadTests.Simulation;

/// <summary>
/// A one-line progress bar redrawn in place on a terminal. Runs whose output is redirected (CI
/// logs, files) keep the plain progress lines instead: carriage returns make a log unreadable.
/// </summary>
public static class ProgressBar
{
    public const int Width = 30;

    /// <summary>True when progress goes to a terminal: stderr not redirected, and not under CI.</summary>
    public static bool Wanted() =>
        !Console.IsErrorRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    /// <summary>"[#########.....................]  31%" followed by <paramref name="text"/>; the fraction is clamped to [0, 1].</summary>
    public static string Render(double fraction, string text)
    {
        var f = double.IsFinite(fraction) ? Math.Clamp(fraction, 0, 1) : 0;
        var filled = (int)Math.Round(f * Width);
        return string.Create(CultureInfo.InvariantCulture, $"[{new string('#', filled)}{new string('.', Width - filled)}] {f * 100,3:0}% {text}");
    }
}

namespace CallCenter.Silo.Metrics;

/// <summary>
/// Picks the one silo that exports the center's live gauges, so a multi-silo cluster does not
/// report every waiting call once per silo. Every silo sees the same active members and picks the
/// same one (the smallest address, ordinal order) without talking to the others. While membership
/// changes, two silos may briefly disagree; the next sample settles it.
/// </summary>
public static class ExporterElection
{
    public static bool IsExporter(string localSilo, IEnumerable<string> activeSilos)
    {
        string? first = null;
        foreach (var silo in activeSilos)
        {
            if (first is null || string.CompareOrdinal(silo, first) < 0)
            {
                first = silo;
            }
        }
        // A silo that does not yet see itself among the active ones (starting up) exports nothing.
        return string.Equals(first, localSilo, StringComparison.Ordinal);
    }
}

using Prometheus;

namespace CallCenter.Silo.Metrics;

/// <summary>
/// The center's live figures as Prometheus gauges. Each publish replaces the whole set: a series
/// missing from the new samples (a queue removed, or this silo no longer the exporter) is removed,
/// so no stale value lingers to be summed with another silo's.
/// </summary>
public sealed class CenterGauges
{
    private readonly Dictionary<string, Gauge> _gauges = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<LabelKey>> _published = new(StringComparer.Ordinal);
    private readonly Gauge _exporter;
    private readonly Lock _gate = new();

    public CenterGauges(CollectorRegistry registry)
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        foreach (var family in CenterGaugeSamples.Families)
        {
            _gauges[family.Name] = factory.CreateGauge(family.Name, family.Help, [.. family.LabelNames]);
            _published[family.Name] = [];
        }
        _exporter = factory.CreateGauge("callcenter_center_gauges_exporter",
            "1 on the one silo that exports the center's live figures (callcenter_calls_waiting and the like), 0 elsewhere.");
    }

    public void Publish(IReadOnlyList<CenterGaugeSample> samples)
    {
        lock (_gate)
        {
            var seen = _published.Keys.ToDictionary(k => k, _ => new HashSet<LabelKey>(), StringComparer.Ordinal);
            foreach (var sample in samples)
            {
                var labels = new LabelKey([.. sample.LabelValues]);
                _gauges[sample.Family.Name].WithLabels([.. sample.LabelValues]).Set(sample.Value);
                seen[sample.Family.Name].Add(labels);
            }
            foreach (var (name, published) in _published)
            {
                foreach (var gone in published.Except(seen[name]))
                {
                    _gauges[name].RemoveLabelled(gone.Values);
                }
                published.Clear();
                published.UnionWith(seen[name]);
            }
            _exporter.Set(samples.Count > 0 ? 1 : 0);
        }
    }

    /// <summary>Removes every series: this silo does not export the center's figures.</summary>
    public void Clear() => Publish([]);

    private sealed record LabelKey(string[] Values)
    {
        public bool Equals(LabelKey? other) => other is not null && Values.AsSpan().SequenceEqual(other.Values);

        public override int GetHashCode()
        {
            var hash = new HashCode();
            foreach (var value in Values)
            {
                hash.Add(value, StringComparer.Ordinal);
            }
            return hash.ToHashCode();
        }
    }
}

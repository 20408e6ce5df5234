using System.Text.Json.Nodes;
using CallCenter.Telephony.Gateway.Ivr;
using FsCheck;
using FsCheck.Fluent;

namespace CallCenter.Telephony.Gateway.Tests.Ivr;

public sealed class IvrMenuParserProperties
{
    private static readonly Func<JsonNode?>[] Replacements =
    [
        () => null, () => 0, () => -1, () => 1e9, () => "", () => "x", () => "0", () => "main", () => true,
        () => new JsonArray(), () => new JsonObject(), () => new JsonArray("x"), () => "25:00-26:00",
    ];

    /// <summary>Every editing mistake (a value replaced or removed anywhere in the demo menu) is either accepted or
    /// rejected with an <see cref="IvrMenuException"/> naming a JSON path; nothing else escapes the parser.</summary>
    [FsCheck.Xunit.Property(MaxTest = 500)]
    public Property Any_damaged_menu_is_accepted_or_rejected_with_a_path() =>
        Prop.ForAll(
            (from target in Gen.Choose(0, int.MaxValue)
             from replacement in Gen.Choose(-1, Replacements.Length - 1)
             from edits in Gen.Choose(1, 3)
             select (target, replacement, edits)).ToArbitrary(),
            damage =>
            {
                var tree = Demo.HotlineTree();
                for (var edit = 0; edit < damage.edits; edit++)
                {
                    var nodes = Descendants(tree).ToList();
                    var victim = nodes[(damage.target / (edit + 1)) % nodes.Count];
                    var parent = victim.Parent!;
                    var replacement = damage.replacement < 0 ? null : Replacements[damage.replacement]();
                    switch (parent)
                    {
                        case JsonObject o when damage.replacement < 0:
                            o.Remove(victim.GetPropertyName());
                            break;
                        case JsonObject o:
                            o[victim.GetPropertyName()] = replacement;
                            break;
                        case JsonArray a:
                            a[victim.GetElementIndex()] = replacement;
                            break;
                    }
                }
                try
                {
                    var menu = IvrMenuParser.Parse(tree.ToJsonString(), "damaged.json");
                    Assert.True(menu.Nodes.ContainsKey(menu.StartNode));
                }
                catch (IvrMenuException e)
                {
                    Assert.StartsWith("$", e.Message);
                    Assert.StartsWith(e.JsonPath + ": ", e.Message);
                }
            });

    private static IEnumerable<JsonNode> Descendants(JsonNode node)
    {
        IEnumerable<JsonNode?> children = node switch
        {
            JsonObject o => o.Select(p => p.Value),
            JsonArray a => a,
            _ => [],
        };
        foreach (var child in children.OfType<JsonNode>())
        {
            yield return child;
            foreach (var descendant in Descendants(child))
                yield return descendant;
        }
    }
}

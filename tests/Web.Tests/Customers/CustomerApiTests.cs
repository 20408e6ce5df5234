using System.Net;
using System.Text;
using System.Text.Json;
using CallCenter.Web.Customers;
using CallCenter.Web.Security;
using CallCenter.Web.Tests.Hosting;

namespace CallCenter.Web.Tests.Customers;

/// <summary>
/// The customer API against the real embedded default: an import with bad rows is refused whole
/// with problem details naming each row, a good one imports every row; look-ups by id and number;
/// bad requests get problem details; an agent may look up but not import.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class CustomerApiTests(SiloProcess silo)
{
    private static StringContent Csv(string text) => new(text, Encoding.UTF8, CustomerEndpoints.CsvContentType);

    /// <summary>Numbers no other test (or the demo) uses, so the shared silo's directory does not couple tests.</summary>
    private static string FreshNumber() => $"0755{Random.Shared.Next(10_000_000, 99_999_999)}";

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    [Fact]
    public async Task An_import_with_bad_rows_imports_nothing_and_lists_them_then_a_good_file_imports_all()
    {
        using var session = await WebSession.LogInAsync(silo.BaseAddress, "supervisor", DemoUsers.PasswordOf("supervisor"));
        var (first, second) = (FreshNumber(), FreshNumber());
        var bad = $"name,phones,level\nGood One,{first},vip\n,{FreshNumber()},normal\nBad Level,{FreshNumber()},platinum\nGood Two,{second},gold\n";

        var refused = await session.PostAsync(CustomerEndpoints.ImportPath, Csv(bad));

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = await Json(refused);
        Assert.Equal("Import refused", problem.GetProperty("title").GetString());
        var rejected = problem.GetProperty("rejected").EnumerateArray().Select(r => (r.GetProperty("line").GetInt32(), r.GetProperty("reason").GetString())).ToList();
        Assert.Equal([(3, "name is missing"), (4, "level 'platinum' is not one of normal, silver, gold, vip")], rejected);
        Assert.Equal(HttpStatusCode.NotFound, (await session.GetAsync($"{CustomerEndpoints.BasePath}?phone={first}")).StatusCode);

        var good = $"name,phones,level,region\nGood One,{first},vip,bj\n\"Two, Good\",{second},gold,\n";
        var imported = await session.PostAsync(CustomerEndpoints.ImportPath, Csv(good));
        Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        Assert.Equal(2, (await Json(imported)).GetProperty("created").GetInt32());

        var found = await Json(await session.GetAsync($"{CustomerEndpoints.BasePath}?phone={first}"));
        Assert.Equal(("Good One", "vip", "bj"), (found.GetProperty("name").GetString(), found.GetProperty("level").GetString(), found.GetProperty("region").GetString()));
        var id = found.GetProperty("id").GetString();
        var byId = await Json(await session.GetAsync($"{CustomerEndpoints.BasePath}/{id}"));
        Assert.Equal(first, byId.GetProperty("phones")[0].GetString());
        var export = await session.GetAsync(CustomerEndpoints.ExportPath);
        Assert.Equal("text/csv", export.Content.Headers.ContentType?.MediaType);
        Assert.Contains($"\"Two, Good\",{second},gold", await export.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_requests_get_problem_details_and_change_nothing()
    {
        using var session = await WebSession.LogInAsync(silo.BaseAddress, "admin", DemoUsers.PasswordOf("admin"));
        var number = FreshNumber();
        var notCsv = await session.PostAsync(CustomerEndpoints.ImportPath, new StringContent($"name,phones\nX,{number}\n", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, notCsv.StatusCode);
        Assert.Equal("application/problem+json", notCsv.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await session.GetAsync($"{CustomerEndpoints.BasePath}?phone={number}")).StatusCode);

        var notUtf8 = new ByteArrayContent([0x6e, 0x61, 0x6d, 0x65, 0x0a, 0xff, 0xfe, 0x0a]);
        notUtf8.Headers.ContentType = new(CustomerEndpoints.CsvContentType);
        Assert.Equal(HttpStatusCode.BadRequest, (await session.PostAsync(CustomerEndpoints.ImportPath, notUtf8)).StatusCode);

        var badPhone = await session.GetAsync($"{CustomerEndpoints.BasePath}?phone=call-me");
        Assert.Equal(HttpStatusCode.BadRequest, badPhone.StatusCode);
        Assert.Contains("not a phone number", (await Json(badPhone)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await session.GetAsync(CustomerEndpoints.BasePath)).StatusCode);
        var missing = await session.GetAsync($"{CustomerEndpoints.BasePath}/no-such-customer");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("Customer not found", (await Json(missing)).GetProperty("title").GetString());
    }

    [Fact]
    public async Task A_customer_is_edited_and_deleted_bad_edits_change_nothing_and_each_change_is_audited()
    {
        using var session = await WebSession.LogInAsync(silo.BaseAddress, "supervisor", DemoUsers.PasswordOf("supervisor"));
        var (number, other, taken) = (FreshNumber(), FreshNumber(), FreshNumber());
        var imported = await session.PostAsync(CustomerEndpoints.ImportPath, Csv($"name,phones,level\nEdit Me,{number},silver\nOwner,{taken},normal\n"));
        Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        var id = (await Json(await session.GetAsync($"{CustomerEndpoints.BasePath}?phone={number}"))).GetProperty("id").GetString()!;
        var path = $"{CustomerEndpoints.BasePath}/{id}";

        var edited = await session.SendAsync(HttpMethod.Put, path, new { name = "Edited", phones = new[] { number, other }, level = "vip", region = "sh", notes = "moved" });
        Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        var body = await Json(edited);
        Assert.Equal(("Edited", "vip", "sh", 2), (body.GetProperty("name").GetString(), body.GetProperty("level").GetString(), body.GetProperty("region").GetString(), body.GetProperty("phones").GetArrayLength()));
        Assert.Equal(id, (await Json(await session.GetAsync($"{CustomerEndpoints.BasePath}?phone={other}"))).GetProperty("id").GetString());

        // Bad edits: problem details with the reason, the customer as it was.
        foreach (var (bad, reason) in new (object, string)[]
        {
            (new { name = " ", phones = new[] { number } }, "name is missing"),
            (new { name = "X", phones = new[] { taken } }, $"phone {taken} belongs to customer"),
            (new { name = "X", phones = new[] { number }, level = "diamond" }, "level 'diamond'"),
        })
        {
            var refused = await session.SendAsync(HttpMethod.Put, path, bad);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.Contains(reason, (await Json(refused)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        Assert.Equal("Edited", (await Json(await session.GetAsync(path))).GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await session.SendAsync(HttpMethod.Put, $"{CustomerEndpoints.BasePath}/c-no-such", new { name = "X", phones = new[] { FreshNumber() } })).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await session.SendAsync(HttpMethod.Delete, path)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await session.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await session.GetAsync($"{CustomerEndpoints.BasePath}?phone={number}")).StatusCode);
        var again = await session.SendAsync(HttpMethod.Delete, path);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal("Customer not found", (await Json(again)).GetProperty("title").GetString());

        using var admin = await WebSession.LogInAsync(silo.BaseAddress, "admin", DemoUsers.PasswordOf("admin"));
        var audit = await (await admin.GetAsync("/audit")).Content.ReadAsStringAsync();
        Assert.Contains("customer-updated", audit, StringComparison.Ordinal);
        Assert.Contains("name Edit Me -&gt; Edited", audit, StringComparison.Ordinal);
        Assert.Contains("customer-deleted", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_agent_looks_up_a_caller_but_may_not_import_or_export()
    {
        using var agent = await WebSession.LogInAsync(silo.BaseAddress, "agent", DemoUsers.PasswordOf("agent"));
        var demo = await agent.GetAsync($"{CustomerEndpoints.BasePath}?phone={CustomerEndpoints.DemoCustomerPhone}");
        Assert.Equal(HttpStatusCode.OK, demo.StatusCode);
        Assert.Equal(CustomerEndpoints.DemoCustomerId, (await Json(demo)).GetProperty("id").GetString());

        var number = FreshNumber();
        var import = await agent.PostAsync(CustomerEndpoints.ImportPath, Csv($"name,phones\nX,{number}\n"));
        // API paths answer 403 to a signed-in user without the permission (no redirect to a page).
        Assert.Equal(HttpStatusCode.Forbidden, import.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await agent.GetAsync($"{CustomerEndpoints.BasePath}?phone={number}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.GetAsync(CustomerEndpoints.ExportPath)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.SendAsync(HttpMethod.Delete, $"{CustomerEndpoints.BasePath}/{CustomerEndpoints.DemoCustomerId}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await agent.GetAsync($"{CustomerEndpoints.BasePath}/{CustomerEndpoints.DemoCustomerId}")).StatusCode);
    }
}

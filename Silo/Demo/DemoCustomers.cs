using CallCenter.Customers;
using CallCenter.Knowledge;

namespace CallCenter.Silo.Demo;

/// <summary>
/// Demo customers (one of each level) and knowledge-base articles of two departments, seeded into
/// an empty directory and an empty knowledge base so that the screens have something to show.
/// </summary>
public sealed class DemoCustomers(IGrainFactory grains, ILogger<DemoCustomers> logger) : IHostedService
{
    /// <summary>The import file format itself: the seed goes through the same checks as any import.</summary>
    public const string Csv =
        """
        id,name,phones,level,region,notes
        c-00001,Zhang Wei,01088880001,vip,bj,"Key account; prefers a call back within the hour"
        c-00002,王芳,02188880002;13800000002,gold,sh,
        c-00003,Li Na,02088880003,silver,gd,"Reported a billing error in March, resolved"
        c-00004,Liu Yang,073188880004,normal,hn,
        c-00005,"Chen, Jie",01088880005,vip,bj,Hospital facilities manager
        c-00006,赵磊,02188880006,normal,sh,
        """;

    public static readonly KnowledgeArticle[] Articles =
    [
        new() { Title = "Refund of a double payment", Department = "Billing", Tags = ["refund", "payment"],
                Body = "A customer who paid the same bill twice gets a refund of the second payment within 7 working days. Check the payment history, create a ticket in category Billing, and tell the customer the ticket number." },
        new() { Title = "Late payment fee", Department = "Billing", Tags = ["fee", "bill"],
                Body = "A late fee of 0.05% per day applies from the day after the due date. The fee is waived once a year on request for customers without earlier late payments." },
        new() { Title = "Invoice copies", Department = "Billing", Tags = ["invoice"],
                Body = "Invoices of the last 24 months can be sent again by e-mail. Older invoices are requested from the archive and take 5 working days." },
        new() { Title = "Reporting a water leak", Department = "Water", Tags = ["leak", "emergency"],
                Body = "Ask for the exact address and whether water enters a building. A leak inside a building is urgent: dispatch the on-call crew at once. A street leak is dispatched within 4 hours." },
        new() { Title = "退款申请流程", Department = "Billing", Tags = ["退款"],
                Body = "重复缴费的客户可以申请退款：核对缴费记录，创建账务类工单，并告知客户工单编号。退款在7个工作日内完成。" },
        new() { Title = "停水通知查询", Department = "Water", Tags = ["停水"],
                Body = "计划停水会提前48小时在网站和短信中通知。客户询问停水原因时，请查询当日停水通知并告知预计恢复供水时间。" },
    ];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var directory = grains.GetCustomerDirectory();
        if (await directory.Count() == 0)
        {
            var report = await directory.ImportCsv(Csv, "demo");
            if (!report.Imported)
            {
                throw new InvalidOperationException($"The demo customers do not import: {string.Join("; ", report.Rejected)}");
            }
            logger.LogInformation("Demo customers imported: {Count}", report.Created);
        }
        var knowledge = grains.GetKnowledgeBase();
        if ((await knowledge.List(null)).IsEmpty)
        {
            foreach (var article in Articles)
            {
                await knowledge.Save(article, "demo");
            }
            logger.LogInformation("Demo knowledge base written: {Count} articles", Articles.Length);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

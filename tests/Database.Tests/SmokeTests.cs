using Npgsql;

namespace CallCenter.Database.Tests;

[Collection(PostgresCollection.Name)]
public sealed class ServerTests(PostgresFixture postgres)
{
    [Fact]
    public async Task A_fresh_database_answers_on_loopback()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT inet_server_addr()::text", connection);
        Assert.Equal("127.0.0.1/32", await command.ExecuteScalarAsync());
    }
}

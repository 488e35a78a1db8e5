using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace BlipFunctions.Tests.Fixtures;

/// <summary>
/// What the host's queue trigger does, for tests on Azurite: receives each message, hands its text to the function and
/// deletes it once the function returns (a function that throws leaves it for a later delivery).
/// </summary>
public static class QueueTriggerStandIn
{
    /// <summary>Delivers messages until the queue is empty; returns how many were handled.</summary>
    public static async Task<int> DrainAsync(QueueClient queue, Func<string, Task> function, int limit = 10_000)
    {
        int handled = 0;
        while (handled < limit)
        {
            QueueMessage[] messages = (await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(1))).Value;
            if (messages.Length == 0)
            {
                return handled;
            }

            foreach (QueueMessage message in messages)
            {
                await function(message.MessageText);
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                handled++;
            }
        }

        throw new InvalidOperationException($"The queue {queue.Name} still had messages after {limit} deliveries.");
    }

    /// <summary>Delivers one message; false when the queue was empty.</summary>
    public static async Task<bool> DeliverOneAsync(QueueClient queue, Func<string, Task> function)
    {
        QueueMessage[] messages = (await queue.ReceiveMessagesAsync(1, TimeSpan.FromMinutes(1))).Value;
        foreach (QueueMessage message in messages)
        {
            await function(message.MessageText);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
        }

        return messages.Length > 0;
    }

    /// <summary>The texts of the messages waiting (up to 32), without taking them.</summary>
    public static async Task<List<string>> PeekAsync(QueueClient queue) =>
        [.. (await queue.PeekMessagesAsync(32)).Value.Select(m => m.MessageText)];
}

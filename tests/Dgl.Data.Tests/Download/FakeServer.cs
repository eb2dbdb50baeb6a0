namespace Dgl.Data.Tests.Download;

/// <summary>Serves responses from memory and records the URLs asked for; no network.</summary>
internal sealed class FakeServer(Func<HttpRequestMessage, HttpResponseMessage> respond) : HttpMessageHandler
{
    /// <summary>The requested URLs, in order.</summary>
    public List<string> Urls { get; } = [];

    /// <summary>How many requests came in.</summary>
    public int Requests => Urls.Count;

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Urls.Add(request.RequestUri!.ToString());
        return respond(request);
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        Task.FromResult(Send(request, cancellationToken));
}

using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;

namespace CallCenter.Web.Shared.Components;

/// <summary>
/// A screen fed by <see cref="LiveCenterFeed"/>: it renders when the feed changes, at most once per
/// <see cref="WebOptions.MinRenderGapMilliseconds"/>, and stops listening when the circuit goes.
/// </summary>
public abstract class LiveComponent : ComponentBase, IDisposable
{
    [Inject] protected LiveCenterFeed Feed { get; set; } = default!;
    [Inject] protected IOptions<WebOptions> Options { get; set; } = default!;
    [Inject] protected TimeProvider Time { get; set; } = default!;

    private RenderThrottle? _throttle;

    protected CenterView? View { get; private set; }

    /// <summary>False while the page is only prerendered; true once the circuit runs it (buttons work).</summary>
    protected bool Interactive { get; private set; }

    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender)
        {
            Interactive = true;
            StateHasChanged();
        }
    }

    protected override void OnInitialized()
    {
        View = Feed.Current;
        _throttle = new RenderThrottle(Time, TimeSpan.FromMilliseconds(Options.Value.MinRenderGapMilliseconds), () => _ = InvokeAsync(RenderLatest));
        Feed.Updated += OnFeedUpdated;
    }

    /// <summary>Asks for a render through the throttle (another source than the feed changed, like agent details).</summary>
    protected void RequestRender() => _throttle?.Request();

    private void OnFeedUpdated(CenterView view) => _throttle?.Request();

    private void RenderLatest()
    {
        View = Feed.Current;
        OnLiveUpdate();
        StateHasChanged();
    }

    /// <summary>Called on the renderer's thread before each live render.</summary>
    protected virtual void OnLiveUpdate()
    {
    }

    public virtual void Dispose()
    {
        Feed.Updated -= OnFeedUpdated;
        _throttle?.Dispose();
        GC.SuppressFinalize(this);
    }
}

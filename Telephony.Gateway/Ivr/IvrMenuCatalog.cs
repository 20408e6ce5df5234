using System.Collections.Immutable;
using Microsoft.Extensions.Logging;

namespace CallCenter.Telephony.Gateway.Ivr;

/// <summary>
/// The menus in force (IVR-1: editable without redeploying): every <c>*.json</c> in a folder, reloaded when a file
/// changes. A file that fails to parse is reported in <see cref="Errors"/> (with the JSON path of the problem) and
/// its last good version stays in force, so a typo saved mid-edit never takes a hotline off the air.
/// </summary>
public sealed partial class IvrMenuCatalog : IDisposable
{
    /// <summary>Editors save in bursts (truncate, write, rename); reload once things settle.</summary>
    private static readonly TimeSpan ReloadDelay = TimeSpan.FromMilliseconds(300);

    private sealed record Snapshot(
        ImmutableDictionary<string, IvrMenu> ByFile,
        ImmutableDictionary<string, IvrMenu> ByService,
        ImmutableArray<string> Errors);

    private readonly string _folder;
    private readonly ILogger _logger;
    private readonly ITimer _debounce;
    private readonly FileSystemWatcher? _watcher;
    private readonly Lock _reloadLock = new();
    private volatile Snapshot _snapshot = new(ImmutableDictionary<string, IvrMenu>.Empty, ImmutableDictionary<string, IvrMenu>.Empty, []);

    private IvrMenuCatalog(string folder, ILogger logger, TimeProvider time, bool watch)
    {
        _folder = folder;
        _logger = logger;
        _debounce = time.CreateTimer(_ => Reload(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        Reload();
        if (watch)
        {
            _watcher = new FileSystemWatcher(folder, "*.json") { NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size };
            _watcher.Changed += OnFileEvent;
            _watcher.Created += OnFileEvent;
            _watcher.Deleted += OnFileEvent;
            _watcher.Renamed += OnFileEvent;
            _watcher.EnableRaisingEvents = true;
        }
    }

    /// <summary>Loads every menu in <paramref name="folder"/> and watches it for changes.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist (a configuration error at start-up).</exception>
    public static IvrMenuCatalog Load(string folder, ILogger logger) => Load(folder, logger, TimeProvider.System, watch: true);

    /// <param name="watch">False for a catalog reloaded only by <see cref="Reload"/> (tests, tools).</param>
    public static IvrMenuCatalog Load(string folder, ILogger logger, TimeProvider time, bool watch)
    {
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(time);
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"IVR menu folder '{folder}' does not exist");
        return new IvrMenuCatalog(Path.GetFullPath(folder), logger, time, watch);
    }

    /// <summary>Problems of the last reload, one line each: "file.json: $.path: problem".</summary>
    public IReadOnlyList<string> Errors => _snapshot.Errors;

    /// <summary>The menus in force, ordered by file name.</summary>
    public IReadOnlyList<IvrMenu> Menus => [.. _snapshot.ByFile.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => f.Value)];

    /// <summary>The post-call survey: the first menu file with a "survey" section.</summary>
    public IvrMenu? Survey => Menus.FirstOrDefault(m => m.Survey is not null);

    /// <summary>Raised after every reload (also when it only found errors).</summary>
    public event Action? Reloaded;

    /// <summary>The menu answering a dialled service number, or null when none does.</summary>
    public IvrMenu? ForService(string dialled) => _snapshot.ByService.GetValueOrDefault(dialled);

    /// <summary>Reads the folder again now. The watcher calls this; tests call it directly.</summary>
    public void Reload()
    {
        lock (_reloadLock)
        {
            var previous = _snapshot;
            var byFile = ImmutableDictionary.CreateBuilder<string, IvrMenu>(StringComparer.Ordinal);
            var errors = ImmutableArray.CreateBuilder<string>();
            string[] files;
            try
            {
                files = [.. Directory.GetFiles(_folder, "*.json").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];
            }
            catch (IOException e)
            {
                errors.Add($"{_folder}: {e.Message}");
                LogFolderUnreadable(_folder, e.Message);
                _snapshot = previous with { Errors = errors.ToImmutable() };
                Reloaded?.Invoke();
                return;
            }

            foreach (var file in files)
            {
                try
                {
                    var menu = IvrMenuParser.Parse(File.ReadAllText(Path.Combine(_folder, file)), file);
                    byFile[file] = menu;
                    if (!previous.ByFile.TryGetValue(file, out var old) || !old.Warnings.SequenceEqual(menu.Warnings))
                        foreach (var warning in menu.Warnings)
                            LogMenuWarning(file, warning);
                }
                catch (Exception e) when (e is IvrMenuException or IOException or UnauthorizedAccessException)
                {
                    errors.Add($"{file}: {e.Message}");
                    var kept = previous.ByFile.TryGetValue(file, out var lastGood);
                    if (kept)
                        byFile[file] = lastGood!;
                    LogMenuRejected(file, e.Message, kept);
                }
            }

            var byService = ImmutableDictionary.CreateBuilder<string, IvrMenu>(StringComparer.Ordinal);
            foreach (var (file, menu) in byFile.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                if (menu.Nodes.IsEmpty)
                    continue; // survey-only files answer no service
                if (byService.TryGetValue(menu.Service, out var other))
                {
                    errors.Add($"{file}: $.service: service '{menu.Service}' is already answered by {other.SourceName}");
                    LogMenuRejected(file, $"service '{menu.Service}' is already answered by {other.SourceName}", false);
                    continue;
                }
                byService[menu.Service] = menu;
            }

            _snapshot = new Snapshot(byFile.ToImmutable(), byService.ToImmutable(), errors.ToImmutable());
            LogReloaded(byFile.Count, errors.Count);
        }
        Reloaded?.Invoke();
    }

    private void OnFileEvent(object sender, FileSystemEventArgs e) => _debounce.Change(ReloadDelay, Timeout.InfiniteTimeSpan);

    public void Dispose()
    {
        _watcher?.Dispose();
        _debounce.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "IVR menu {File} rejected: {Problem} (last good version kept: {Kept})")]
    private partial void LogMenuRejected(string file, string problem, bool kept);

    [LoggerMessage(Level = LogLevel.Warning, Message = "IVR menu {File}: {Warning}")]
    private partial void LogMenuWarning(string file, string warning);

    [LoggerMessage(Level = LogLevel.Error, Message = "IVR menu folder {Folder} cannot be read: {Problem}")]
    private partial void LogFolderUnreadable(string folder, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "IVR menus loaded: {Menus} files in force, {Errors} problems")]
    private partial void LogReloaded(int menus, int errors);
}

using GossipFl.Daemon.Tests.Netns;

namespace GossipFl.Daemon.Tests.Discovery.Interop;

/// <summary>
/// avahi-daemon, a real independent mDNS stack, inside one host of a <see cref="TestNetwork"/>, set up as
/// shared/design/TESTING.md describes: a tmpfs over /run (private to this process tree's mount namespace), a private
/// dbus-daemon as the system bus, avahi-daemon limited to gl0 and IPv4. A shell script runs it all, then the test's
/// commands, and then stops what it started by PID and unmounts /run. Lines "READY" and "DONE" mark progress.
/// </summary>
internal sealed class AvahiHost : IDisposable
{
    private readonly ToolProcess _script;

    private AvahiHost(string directory, ToolProcess script)
    {
        Directory = directory;
        _script = script;
    }

    /// <summary>Scratch directory of this run; a test can create "stop" in it to end a waiting command.</summary>
    public string Directory { get; }

    public string Stdout => _script.Stdout;

    /// <summary>Starts avahi in <paramref name="host"/> and then runs <paramref name="commands"/> (POSIX sh).</summary>
    public static AvahiHost Start(TestHost host, string commands)
    {
        RequiredTool.Find("avahi-daemon", "avahi-daemon");
        RequiredTool.Find("avahi-browse", "avahi-utils");
        RequiredTool.Find("avahi-publish", "avahi-utils");
        RequiredTool.Find("dbus-daemon", "dbus");
        var directory = System.IO.Directory.CreateTempSubdirectory("gossipfl-avahi-").FullName;
        File.WriteAllText(Path.Combine(directory, "dbus.conf"), $"""
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
             "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <type>system</type>
              <listen>unix:path={directory}/bus.sock</listen>
              <auth>EXTERNAL</auth>
              <policy context="default">
                <allow user="*"/>
                <allow own="*"/>
                <allow send_destination="*"/>
                <allow receive_sender="*"/>
              </policy>
            </busconfig>
            """);
        File.WriteAllText(Path.Combine(directory, "avahi.conf"), $"""
            [server]
            use-ipv4=yes
            use-ipv6=no
            allow-interfaces={TestHost.InterfaceName}
            enable-dbus=yes
            [wide-area]
            enable-wide-area=no
            [publish]
            publish-hinfo=no
            publish-workstation=no
            """);
        var script = Path.Combine(directory, "run.sh");
        File.WriteAllText(script, $$"""
            set -u
            D={{directory}}
            mount -t tmpfs tmpfs /run || { echo "FAILED mount"; exit 3; }
            mkdir -p /run/avahi-daemon /run/dbus
            dbus-daemon --config-file=$D/dbus.conf --nofork --nopidfile >$D/dbus.log 2>&1 &
            DBUS=$!
            i=0; while [ ! -S $D/bus.sock ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
            export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$D/bus.sock
            avahi-daemon -f $D/avahi.conf --no-drop-root --no-chroot --no-rlimits >$D/avahi.log 2>&1 &
            AVAHI=$!
            i=0; while ! avahi-browse -pt _probe._tcp >/dev/null 2>&1 && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
            echo READY
            {{commands}}
            echo DONE
            kill $AVAHI $DBUS
            wait $AVAHI $DBUS
            umount /run
            """);
        return new AvahiHost(directory, new ToolProcess(host.Start("sh", script)));
    }

    public Task WaitForLineAsync(string marker, TimeSpan timeout) => _script.WaitForLineAsync(marker, timeout);

    public string Logs() =>
        $"script:\n{_script.Stdout}\n{_script.Stderr}\navahi:\n{ReadIfExists("avahi.log")}\ndbus:\n{ReadIfExists("dbus.log")}";

    public void Stop() => File.WriteAllText(Path.Combine(Directory, "stop"), "");

    public void Dispose()
    {
        Stop();
        try
        {
            _ = _script.WaitForExitAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
        }
        catch (TimeoutException ex)
        {
            Console.Error.WriteLine($"AvahiHost: script did not finish, killing pid {_script.Id}: {ex.Message}");
        }

        _script.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private string ReadIfExists(string name)
    {
        var path = Path.Combine(Directory, name);
        return File.Exists(path) ? File.ReadAllText(path) : "(none)";
    }
}

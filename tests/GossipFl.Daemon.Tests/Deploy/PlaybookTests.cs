using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using GossipFl.Daemon.Tests.Netns;

namespace GossipFl.Daemon.Tests.Deploy;

/// <summary>
/// deploy/ansible/site.yml against three "hosts": network namespaces on a private bridge, each running its own
/// sshd, driven by ansible-playbook from a fourth namespace. Namespaces share this machine's filesystem, so each
/// host gets its own configuration, state and package directories through the playbook's per-host variables,
/// and all three share one dpkg database (the package is installed once, then found installed). There is no
/// systemd in the namespaces: the playbook leaves the service alone (gossipfl_service=false) and the test starts
/// each node with the unit's ExecStart as the unit would, as the service user.
/// </summary>
[Collection(DeploymentRuns.Name)]
public sealed class PlaybookTests : IDisposable
{
    private static readonly string Playbook = Path.Combine(RepoPaths.Root, "deploy", "ansible", "site.yml");
    private readonly string _root = Path.Combine(Path.GetTempPath(), "gossipfl-playbook-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly List<Process> _processes = [];

    [Fact]
    public async Task Playbook_ThreeHosts_InstallsPinsEveryFingerprintAndStartsTheFederation_AndASecondRunChangesNothing()
    {
        SystemCommand.Require("/usr/bin/ansible-playbook", "ansible");
        SystemCommand.Require("/usr/sbin/sshd", "openssh-server");
        SystemCommand.Require("/usr/bin/ssh-keygen", "openssh-client");
        var deb = InstalledPackage.Deb();
        InstalledPackage.Purge();
        Directory.CreateDirectory(_root);
        using var network = TestNetwork.Create(4);
        var controller = network.Hosts[0];
        var hosts = network.Hosts.Skip(1).ToArray();
        string[] names = ["node-a", "node-b", "node-c"];
        try
        {
            var inventory = StartSshHosts(hosts, names);

            var first = RunPlaybook(controller, inventory, deb);
            Assert.True(first.ExitCode == 0, "the first run failed: " + first.Text);

            Assert.True(InstalledPackage.IsInstalled, "the playbook did not install the package");
            var fingerprints = names.Select(n => InstalledPackage.Fingerprint(Path.Combine(_root, n, "var", n))).ToArray();
            Assert.Equal(3, fingerprints.Distinct().Count());
            for (var k = 0; k < 3; k++)
            {
                var config = await File.ReadAllTextAsync(Path.Combine(_root, names[k], "etc", names[k] + ".json"));
                Assert.Contains($"\"Node\": \"{names[k]}\"", config, StringComparison.Ordinal);
                var topology = await File.ReadAllTextAsync(Path.Combine(_root, names[k], "etc", "topology.yaml"));
                for (var j = 0; j < 3; j++)
                {
                    Assert.Contains($"  - name: {names[j]}\n", topology, StringComparison.Ordinal);
                    Assert.Contains($"    address: \"{hosts[j].Address}:7070\"\n    fingerprint: {fingerprints[j]}\n", topology, StringComparison.Ordinal);
                }
            }

            var second = RunPlaybook(controller, inventory, deb);
            Assert.True(second.ExitCode == 0, "the second run failed: " + second.Text);
            foreach (var name in names)
            {
                var recap = RecapLine(name).Match(second.Output);
                Assert.True(recap.Success, $"no recap line for {name}: {second.Text}");
                Assert.True(recap.Groups["changed"].Value == "0" && recap.Groups["failed"].Value == "0", $"the second run changed {name}: {recap.Value}");
            }

            // The federation the playbook described: every node from its written config, with the unit's command.
            var nodes = new List<Process>();
            for (var k = 0; k < 3; k++)
            {
                var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                foreach (var argument in InstalledPackage.AsService(hosts[k].Namespace, InstalledPackage.ExecStart(names[k], Path.Combine(_root, names[k], "etc"))))
                {
                    start.ArgumentList.Add(argument);
                }

                InstalledPackage.WithoutDotnet(start);
                var process = Process.Start(start) ?? throw new InvalidOperationException("could not start a node");
                _processes.Add(process);
                nodes.Add(process);
            }

            for (var k = 0; k < 3; k++)
            {
                var output = nodes[k].StandardOutput.ReadToEndAsync();
                var error = nodes[k].StandardError.ReadToEndAsync();
                using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
                await nodes[k].WaitForExitAsync(timeout.Token);
                var log = await output + await error;
                Assert.True(nodes[k].ExitCode == 0, $"{names[k]} exited {nodes[k].ExitCode}:\n{log}");
                Assert.Contains("finished all 3 rounds", log, StringComparison.Ordinal);
                Assert.Contains("shares from 2 of 2 trusted peers", log, StringComparison.Ordinal);
            }
        }
        finally
        {
            StopProcesses();
            InstalledPackage.Purge();
        }
    }

    public void Dispose()
    {
        StopProcesses();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private static Regex RecapLine(string host) =>
        new($@"^{Regex.Escape(host)}\s*: ok=\d+\s+changed=(?<changed>\d+)\s+unreachable=\d+\s+failed=(?<failed>\d+)", RegexOptions.Multiline);

    /// <summary>Starts sshd on each host (root login by a generated key only) and writes the inventory.</summary>
    private string StartSshHosts(TestHost[] hosts, string[] names)
    {
        var keys = Path.Combine(_root, "ssh");
        Directory.CreateDirectory(keys);
        SystemCommand.Check(TimeSpan.FromSeconds(30), "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "gossipfl-test", "-f", Path.Combine(keys, "client"));
        SystemCommand.Check(TimeSpan.FromSeconds(30), "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "gossipfl-test-host", "-f", Path.Combine(keys, "host"));
        File.Copy(Path.Combine(keys, "client.pub"), Path.Combine(keys, "authorized_keys"));
        // sshd's privilege-separation directory; the openssh-server package makes it at boot.
        Directory.CreateDirectory("/run/sshd");

        var inventory = new System.Text.StringBuilder();
        inventory.Append(CultureInfo.InvariantCulture, $$"""
            all:
              children:
                gossipfl:
                  vars:
                    ansible_user: root
                    ansible_ssh_private_key_file: {{keys}}/client
                    ansible_ssh_common_args: -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
                    ansible_python_interpreter: /usr/bin/python3
                    gossipfl_become: false
                    gossipfl_service: false
                    gossipfl_install_throttle: 1
                    gossipfl_federation: test
                    gossipfl_dataset: synthetic
                    gossipfl_model: logreg
                    gossipfl_rounds: 3
                    gossipfl_settings: {Threads: 1, Mdns: false, StatusPort: -1}
                  hosts:

            """);
        for (var k = 0; k < hosts.Length; k++)
        {
            var config = Path.Combine(keys, $"sshd-{k}.conf");
            File.WriteAllText(config, $"""
                ListenAddress {hosts[k].Address}
                Port 22
                HostKey {keys}/host
                PidFile none
                AuthorizedKeysFile {keys}/authorized_keys
                PermitRootLogin prohibit-password
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                UsePAM no
                StrictModes no
                Subsystem sftp internal-sftp

                """);
            // -D: stays in the foreground, so it is this test's child, stopped by PID.
            _processes.Add(hosts[k].Start("/usr/sbin/sshd", "-D", "-e", "-f", config));
            var home = Path.Combine(_root, names[k]);
            inventory.Append(CultureInfo.InvariantCulture,
                $"        {names[k]}: {{ansible_host: {hosts[k].Address}, gossipfl_config_dir: {home}/etc, gossipfl_state_dir: {home}/var, gossipfl_package_dir: {home}/cache}}\n");
            Directory.CreateDirectory(Path.Combine(home, "etc"));
        }

        var path = Path.Combine(_root, "inventory.yml");
        File.WriteAllText(path, inventory.ToString());
        return path;
    }

    private SystemCommand.Result RunPlaybook(TestHost controller, string inventory, string deb)
    {
        var environment = new Dictionary<string, string>
        {
            ["ANSIBLE_HOST_KEY_CHECKING"] = "False",
            ["ANSIBLE_LOCAL_TEMP"] = Path.Combine(_root, "ansible-local"),
            ["ANSIBLE_REMOTE_TMP"] = Path.Combine(_root, "ansible-remote"),
            ["ANSIBLE_SSH_CONTROL_PATH_DIR"] = Path.Combine(_root, "ansible-cp"),
            ["ANSIBLE_NOCOLOR"] = "1",
            ["ANSIBLE_RETRY_FILES_ENABLED"] = "False",
        };
        return SystemCommand.Run(
            TimeSpan.FromMinutes(5), "ip",
            ["netns", "exec", controller.Namespace, "ansible-playbook", "-i", inventory, Playbook, "-e", "gossipfl_deb=" + deb],
            environment, Path.GetDirectoryName(Playbook));
    }

    private void StopProcesses()
    {
        foreach (var process in _processes)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(TimeSpan.FromSeconds(10));
            }

            process.Dispose();
        }

        _processes.Clear();
    }
}

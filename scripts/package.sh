#!/usr/bin/env bash
# Builds the Debian package artifacts/deb/gossipfl_VERSION_amd64.deb from this checkout and prints its path.
#
#   scripts/package.sh
#
# The package holds a self-contained .NET publish (no SDK or runtime needed on the target) with the native
# libtorch shim beside the executable, the systemd template unit gossipfl@.service, example configuration
# under /etc/gossipfl (conffiles), the ready topologies, a man page made with help2man from --help, and bash
# completion. VERSION holds the upstream version; a build from a commit tagged vVERSION is VERSION, any other
# is VERSION~gitN.HASH (N commits in the history), which sorts before the release ('~'), and +dirty is
# appended when the working tree has uncommitted changes. GOSSIPFL_PACKAGE_VERSION overrides all of that.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=scripts/lib/packages.sh
. "$root/scripts/lib/packages.sh"
say() { printf 'package: %s\n' "$*" >&2; }

# The shim (and the build tools it needs) come from the ordinary set-up; help2man writes the man page.
"$root/scripts/setup.sh"
ensure_packages package help2man

# --- the version --------------------------------------------------------------------------------
upstream=$(tr -d ' \n' <VERSION)
if [ -n "${GOSSIPFL_PACKAGE_VERSION:-}" ]; then
  version=$GOSSIPFL_PACKAGE_VERSION
elif git describe --exact-match --tags --match "v$upstream" HEAD >/dev/null 2>&1; then
  version=$upstream
else
  version="$upstream~git$(git rev-list --count HEAD).$(git rev-parse --short=8 HEAD)"
fi
if [ -z "${GOSSIPFL_PACKAGE_VERSION:-}" ] && [ -n "$(git status --porcelain --untracked-files=no)" ]; then
  version="$version+dirty"
fi
# Every file in the package carries the last commit's time, so two builds of one commit differ only where
# the compilers do.
# The maintainer named in the package: whoever builds it, unless said otherwise.
maintainer=${GOSSIPFL_MAINTAINER:-"$(git config user.name) <$(git config user.email)>"}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}

# --- the tree the package installs --------------------------------------------------------------
stage="$root/artifacts/deb/stage"
out="$root/artifacts/deb/gossipfl_${version}_amd64.deb"
rm -rf "$stage"
mkdir -p "$stage/DEBIAN" "$stage/usr/bin" "$stage/usr/lib/gossipfl" "$stage/lib/systemd/system" \
  "$stage/usr/share/gossipfl/topologies" "$stage/usr/share/man/man1" "$stage/usr/share/bash-completion/completions" \
  "$stage/usr/share/doc/gossipfl" "$stage/etc/gossipfl"

say "publishing the self-contained gossipfl executable ($version)"
# English help only (no satellite resource folders), no .pdb files: neither is of use on a server.
dotnet publish "$root/src/GossipFl.Daemon" -c Release -r linux-x64 --self-contained -nologo -v quiet \
  -o "$stage/usr/lib/gossipfl" \
  -p:Version="$upstream" -p:InformationalVersion="$version" -p:IncludeSourceRevisionInInformationalVersion=false -p:SatelliteResourceLanguages=en -p:DebugType=none >&2
# The LTTng trace provider links liblttng-ust, which nothing else needs; the runtime runs without it.
rm -f "$stage/usr/lib/gossipfl/libcoreclrtraceptprovider.so"
# The shim is built with symbols for debugging in the checkout; a package ships it stripped (Debian policy 10.1).
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$stage/usr/lib/gossipfl/libgossipfl_torch.so"
[ -f "$stage/usr/lib/gossipfl/libgossipfl_torch.so" ] || { say "the publish has no libgossipfl_torch.so"; exit 1; }
ln -s ../lib/gossipfl/gossipfl "$stage/usr/bin/gossipfl"

install -m 0644 packaging/gossipfl@.service "$stage/lib/systemd/system/gossipfl@.service"
install -m 0644 packaging/etc/example.json packaging/etc/topology.example.yaml "$stage/etc/gossipfl/"
install -m 0644 topologies/*.yaml "$stage/usr/share/gossipfl/topologies/"
# The PyTorch loader of exported models (docs/models.md): a module to import, not a program.
install -D -m 0644 python/gossipfl_models.py "$stage/usr/share/gossipfl/python/gossipfl_models.py"
install -m 0644 packaging/gossipfl.bash-completion "$stage/usr/share/bash-completion/completions/gossipfl"
install -m 0644 packaging/debian/copyright "$stage/usr/share/doc/gossipfl/copyright"
install -D -m 0644 packaging/debian/lintian-overrides "$stage/usr/share/lintian/overrides/gossipfl"

# --- the man page: the root help, then every command's help ---------------------------------------
exe="$stage/usr/lib/gossipfl/gossipfl"
include=$(mktemp)
trap 'rm -f "$include"' EXIT
roff_block() { sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"; }
{
  printf '[COMMANDS IN DETAIL]\n'
  for command in start train simulate topology report inspect peers identity; do
    printf '.SS "gossipfl %s"\n.nf\n' "$command"
    NO_COLOR=1 TERM=dumb "$exe" "$command" --help | roff_block
    printf '.fi\n'
  done
  printf '[FILES]\n'
  printf '.TP\n/etc/gossipfl/NODE.json\nthe configuration of node NODE, read by the gossipfl@NODE service (example: /etc/gossipfl/example.json)\n'
  printf '.TP\n/var/lib/gossipfl/NODE/\nthe node'"'"'s identity key, checkpoints and metrics\n'
  printf '.TP\n/usr/share/gossipfl/topologies/\nready topology files\n'
  printf '[SEE ALSO]\nsystemctl(1), journalctl(1); /usr/share/doc/gossipfl/\n'
} >"$include"
NO_COLOR=1 TERM=dumb help2man --no-info --no-discard-stderr --section=1 \
  --name="serverless federated-learning daemon" --version-string="$version" --include="$include" "$exe" \
  | gzip -9n >"$stage/usr/share/man/man1/gossipfl.1.gz"

{
  printf 'gossipfl (%s) unstable; urgency=medium\n\n' "$version"
  printf '  * Built from commit %s.\n\n' "$(git rev-parse HEAD)"
  printf ' -- %s  %s\n' "$maintainer" "$(date -u -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n >"$stage/usr/share/doc/gossipfl/changelog.gz"

# --- control files --------------------------------------------------------------------------------
# Run-time dependencies, from what the binaries load (see docs/deploy.md for how they were found):
#   libtorch1.13: the shim links libtorch, libtorch_cpu and libc10 1.13, which that package ships;
#   libopenblas0-openmp: the fast BLAS behind libtorch's libblas.so.3 (the reference BLAS is ~13x slower);
#   libssl3: .NET's cryptography (the identity keys' ECDSA, HKDF) loads libssl.so.3 at run time, and the transport
#     calls its libcrypto.so.3 directly to seal data packets (Security/LibCrypto.cs);
#   libc6, libstdc++6, libgcc-s1: linked by the .NET host and runtime and by the shim (GLIBC_2.32 and
#   GLIBCXX_3.4.29 symbols at most; libtorch1.13 itself wants libstdc++6 >= 12);
#   adduser: the postinst creates the gossipfl system user.
# No libicu: the build sets InvariantGlobalization, so .NET never loads ICU.
depends="adduser, libc6 (>= 2.34), libgcc-s1 (>= 3.4), libstdc++6 (>= 12), libssl3 (>= 3.0.0), libtorch1.13, libopenblas0-openmp"
installed_size=$(du -sk --apparent-size --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s|@MAINTAINER@|$maintainer|" -e "s/@INSTALLED_SIZE@/$installed_size/" -e "s/@DEPENDS@/$depends/" \
  packaging/debian/control.in >"$stage/DEBIAN/control"
install -m 0644 packaging/debian/conffiles "$stage/DEBIAN/conffiles"
install -m 0755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm "$stage/DEBIAN/"

# Modes as Debian policy wants them: directories and programs 0755, everything else (shared objects too) 0644.
find "$stage" -path "$stage/DEBIAN" -prune -o -type d -exec chmod 0755 {} +
find "$stage" -path "$stage/DEBIAN" -prune -o -type f -exec chmod 0644 {} +
chmod 0755 "$stage/usr/lib/gossipfl/gossipfl" "$stage/usr/lib/gossipfl/createdump"
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) >"$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/md5sums"
find "$stage" -exec touch --no-dereference --date="@$SOURCE_DATE_EPOCH" {} +

rm -f "$root"/artifacts/deb/gossipfl_*.deb
dpkg-deb --build --root-owner-group "$stage" "$out" >&2
rm -rf "$stage"
say "built $out"
echo "$out"

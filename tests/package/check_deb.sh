#!/usr/bin/env bash
# `make package`'s Debian packages, built from this build tree into a
# temporary directory: their version is `sweep --version`'s, Depends comes
# from the linked libraries, each holds what it should, the packaged binary
# runs, and lintian reports no error (its warnings are shown; README says
# which remain and why).
# usage: check_deb.sh BUILD_DIR SWEEP
set -euo pipefail
build=$1
sweep=$2
work=$(mktemp -d /tmp/sweep-deb-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "package: $*" >&2; exit 1; }

cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work" >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log"; fail "cpack failed"; }
deb=$(ls "$work"/sweep_*.deb)
dev=$(ls "$work"/sweep-dev_*.deb)

version=$("$sweep" --version | sed -n '1s/^sweep \([^ ]*\).*/\1/p')
[[ -n $version ]] || fail "no version in sweep --version"
for p in "$deb" "$dev"; do
  [[ $(dpkg-deb -f "$p" Version) == "$version" ]] ||
    fail "$(basename "$p"): Version $(dpkg-deb -f "$p" Version), sweep --version says $version"
done
depends=$(dpkg-deb -f "$deb" Depends)
[[ $depends == *libc6* && $depends == *libstdc++6* ]] ||
  fail "sweep's Depends lacks what dpkg-shlibdeps finds: '$depends'"
[[ $(dpkg-deb -f "$dev" Depends) == *libsimdjson-dev* ]] || fail "sweep-dev does not depend on libsimdjson-dev"

has() {  # has PACKAGE PATH...: the package holds every path
  local listing
  listing=$(dpkg-deb -c "$1" | awk '{print $6}')
  shift
  for f in "$@"; do
    grep -qxF "./$f" <<<"$listing" || fail "$f is not in the package"
  done
}
pages=()
for sub in $("$sweep" --help | sed -n '/^Subcommands:/,$s/^  \([a-z]\+\) .*/\1/p'); do
  pages+=("usr/share/man/man1/sweep-$sub.1.gz")
done
[[ ${#pages[@]} -ge 6 ]] || fail "sweep --help lists ${#pages[@]} subcommands"
has "$deb" usr/bin/sweep usr/share/man/man1/sweep.1.gz "${pages[@]}" \
  usr/share/bash-completion/completions/sweep usr/share/zsh/vendor-completions/_sweep \
  usr/share/fish/vendor_completions.d/sweep.fish \
  usr/share/doc/sweep/copyright usr/share/doc/sweep/changelog.gz usr/share/doc/sweep/README.md
has "$dev" usr/include/sweep/sweep.hpp usr/include/sweep/version.hpp usr/lib/libsweep.a \
  usr/lib/cmake/sweep/sweepConfig.cmake usr/lib/pkgconfig/sweep.pc usr/share/doc/sweep-dev/copyright usr/share/doc/sweep-dev/changelog.gz

# The packaged binary runs and says the same version.
dpkg-deb -x "$deb" "$work/root"
[[ $("$work/root/usr/bin/sweep" --version | head -n 1) == "$("$sweep" --version | head -n 1)" ]] ||
  fail "the packaged sweep --version differs from the build's"

lintian --no-cfg "$deb" "$dev" >"$work/lintian.log" 2>&1 || true
cat "$work/lintian.log"
if grep -q '^E:' "$work/lintian.log"; then fail "lintian reports errors"; fi
grep -q '^' "$work/lintian.log" || echo "lintian: no tags"
echo "package: $(basename "$deb") and $(basename "$dev") are as expected"

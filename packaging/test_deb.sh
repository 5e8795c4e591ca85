#!/usr/bin/env bash
# Installs the Debian package into a clean root, uses it there, removes it, and checks that nothing of it is left.
#   packaging/test_deb.sh [DEB | BUILD_DIR] [OUT_DIR]
# DEB: default the newest build/llm-surgery_*_amd64.deb (packaging/deb.sh makes it); BUILD_DIR: make the package
# there first with cpack (CTest "package" does, after the build). OUT_DIR: where to keep the screenshot the
# installed app takes (default: not kept). Needs root and mount namespaces (a chroot, an overlay); exits 77 (CTest:
# skipped) without them. No network: the clean root is assembled from this machine's installed packages.
#
# The clean root holds Debian's essential packages and the package's declared dependencies, recursively, and
# nothing else: no build tree, no source tree, no package that the Depends field forgot. Their files are hard
# links to this machine's (or copies, across file systems) under an overlay, so nothing done in the root reaches
# them. dpkg's database in the root lists exactly those packages, so `dpkg -i` checks the Depends field for real.
# In the root: dpkg -i; llm-surgery-cli --version and info on a tiny model (SentencePiece tokenizer: the plugin);
# llm-surgery-cli corpus (the installed world data); the app's --screenshot (on Xvfb, else offscreen); the man
# pages; the project file type registered by shared-mime-info's trigger; then dpkg --purge, and every file of the
# package must be gone, with nothing left that names it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
say() { echo "test_deb: $*"; }
die() { echo "test_deb: $*" >&2; exit 1; }

if [ "${1:-}" = --inside ]; then
  inside=1
  shift
else
  inside=0
fi

# ---------------------------------------------------------------------------------------------------------------
# Part 2 (in private mount, PID and network namespaces, started by part 1): mount, install, use, remove, check.
if [ "$inside" = 1 ]; then
  work=$1 deb_name=$2 out_dir=$3
  root=$work/root
  # The root's changes go to a tmpfs (an overlay's upper layer cannot be on an overlay, as in a container).
  mount -t tmpfs tmpfs "$work/rw"
  mkdir "$work/rw/upper" "$work/rw/ovl"
  mount -t overlay overlay -o "lowerdir=$work/lower,upperdir=$work/rw/upper,workdir=$work/rw/ovl" "$root" ||
    die "cannot mount an overlay file system on $root"
  mount -t proc proc "$root/proc"   # /proc/self/exe: how the programs find their plugin and data
  mount --bind /sys "$root/sys" && mount -o remount,bind,ro "$root/sys"   # CPU topology (LibTorch's cpuinfo)
  mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
  for d in null zero random urandom; do
    touch "$root/dev/$d"
    mount --bind "/dev/$d" "$root/dev/$d"
  done
  mkdir -p "$root/tmp/model" "$root/tmp/home"
  cp "$work/$deb_name" "$root/tmp/"
  cp "$work"/model/* "$root/tmp/model/"
  in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp/home LANG=C.UTF-8 "$@"; }
  # Every path outside the scratch and bookkeeping places (the app writes only below $HOME and /tmp).
  snapshot() {
    (cd "$root" && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev -o -path ./tmp -o -path ./var/lib/dpkg \
        -o -path ./var/log -o -path ./var/cache/ldconfig \) -prune -o -print | LC_ALL=C sort)
  }

  [ ! -e "$root$src" ] || die "the source tree $src is visible in the clean root"
  # What the packages' file triggers made when they were installed (the MIME database, icon caches): run them
  # once, so that the snapshot holds their output and the package's own install and purge are what changes.
  in_root sh -c 'while read -r path pkg; do dpkg-trigger --no-await "$path"; done </var/lib/dpkg/triggers/File &&
                 dpkg --triggers-only --pending' >"$work/dpkg-triggers.log" 2>&1 ||
    { cat "$work/dpkg-triggers.log" >&2; die "the clean root's file triggers failed (log above)"; }
  snapshot >"$work/before.txt"

  say "dpkg -i $deb_name"
  in_root dpkg -i "/tmp/$deb_name" >"$work/dpkg-install.log" 2>&1 ||
    { cat "$work/dpkg-install.log" >&2; die "dpkg -i failed in the clean root (log above)"; }
  sed 's/^/  /' "$work/dpkg-install.log"
  # (grep without -q reads all its input: under pipefail, grep -q exiting at the first match can kill the writer
  # with SIGPIPE and fail the pipeline at random.)
  grep -qx 'install ok installed' <<<"$(in_root dpkg-query -W -f='${Status}\n' llm-surgery)" ||
    die "dpkg does not list llm-surgery as installed"

  # No path of the build machine in what was installed (the programs find everything relative to themselves).
  for f in $(in_root dpkg-query -L llm-surgery); do
    [ -f "$root$f" ] && [ ! -L "$root$f" ] || continue
    case "$f" in
      *.gz) if zcat "$root$f" | grep -F -e "$src/" >/dev/null; then die "$f holds the build machine's path $src"; fi ;;
      *) if grep -qF -e "$src/" "$root$f"; then die "$f holds the build machine's path $src"; fi ;;
    esac
  done

  say "llm-surgery-cli --version: $(in_root llm-surgery-cli --version)"
  info=$(in_root llm-surgery-cli info /tmp/model 2>&1) || { echo "$info" >&2; die "llm-surgery-cli info failed"; }
  echo "$info" | sed 's/^/  /'
  json=$(in_root llm-surgery-cli info /tmp/model --json 2>&1) || { echo "$json" >&2; die "info --json failed"; }
  grep -q '"kind": *"SentencePiece' <<<"$json" ||
    { echo "$json" >&2; die "the tiny model's SentencePiece tokenizer did not load (the plugin?)"; }
  if grep -q '"error"' <<<"$json"; then echo "$json" >&2; die "info reports an error"; fi

  corpus=$(in_root llm-surgery-cli corpus --out /tmp/corpus --preset tiny 2>&1) ||
    { echo "$corpus" >&2; die "llm-surgery-cli corpus (the installed world data) failed"; }
  [ -s "$root/tmp/corpus/facts.jsonl" ] || die "corpus wrote no facts.jsonl"
  say "corpus from the installed world data: $(wc -l <"$root/tmp/corpus/facts.jsonl") facts"

  # On an X server (Xvfb, started here), as on a desktop: Qt's xcb platform plugin and the X libraries it loads
  # must come with the package's dependencies. Xvfb gets a /tmp of its own for its lock and socket files; the
  # app reaches it through the abstract socket of this network namespace. Without Xvfb: Qt's offscreen plugin.
  if command -v Xvfb >/dev/null; then
    exec 3<> <(:)
    unshare --mount --propagation private sh -c 'mount -t tmpfs -o mode=1777 tmpfs /tmp &&
      exec Xvfb -displayfd 3 -nolisten tcp -ac -screen 0 1400x900x24' >"$work/xvfb.log" 2>&1 &
    read -r -t 30 display <&3 || { cat "$work/xvfb.log" >&2; die "Xvfb did not start"; }
    platform=(DISPLAY=":$display" QT_QPA_PLATFORM=xcb)
  else
    platform=(QT_QPA_PLATFORM=offscreen)
  fi
  say "${platform[*]} llm-surgery --model /tmp/model --screenshot /tmp/shot.png"
  shot=$(in_root "${platform[@]}" llm-surgery --model /tmp/model --screenshot /tmp/shot.png 2>&1) ||
    { echo "$shot" >&2; die "the app's --screenshot failed in the clean root"; }
  [ "$(head -c 8 "$root/tmp/shot.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
    die "the app wrote no PNG"
  say "screenshot: $(stat -c %s "$root/tmp/shot.png") bytes"
  [ -z "$out_dir" ] || cp "$root/tmp/shot.png" "$out_dir/installed-app.png"

  for page in llm-surgery llm-surgery-cli; do
    zcat "$root/usr/share/man/man1/$page.1.gz" | grep '^\.TH' >/dev/null || die "man page $page.1 is missing or empty"
  done
  grep -q 'application/x-llm-surgery-project' "$root/usr/share/mime/globs" 2>/dev/null ||
    die "the project file type is not registered (shared-mime-info's trigger did not see the package's MIME file)"

  say "dpkg --purge llm-surgery"
  in_root dpkg -L llm-surgery >"$work/files.txt"
  in_root dpkg --purge llm-surgery >"$work/dpkg-purge.log" 2>&1 ||
    { cat "$work/dpkg-purge.log" >&2; die "dpkg --purge failed (log above)"; }
  sed 's/^/  /' "$work/dpkg-purge.log"
  snapshot >"$work/after.txt"
  # New since the snapshot: none of the package's paths, nothing named after it, no file naming it. (Caches
  # that other packages' triggers rebuilt may be new, e.g. shared-mime-info's /usr/share/mime/*.)
  left=$(LC_ALL=C comm -13 "$work/before.txt" "$work/after.txt" | sed 's|^\.||')
  others=()
  while IFS= read -r f; do
    [ -n "$f" ] || continue
    if grep -qxF -e "$f" "$work/files.txt"; then die "$f of the package is still there"; fi
    case "$f" in *llm-surgery* | *llm_surgery*) die "$f, named after the package, is still there" ;; esac
    if [ -f "$root$f" ] && grep -qiF -e llm-surgery -e llm_surgery "$root$f"; then
      die "$f, left after the purge, still names the package"
    fi
    others+=("$f")
  done <<<"$left"
  [ ${#others[@]} -eq 0 ] ||
    say "${#others[@]} new paths from other packages' triggers (none names the package), in:" \
        "$(printf '%s\n' "${others[@]}" | awk -F/ '{print "/" $2 "/" $3 "/" $4}' | sort -u | tr '\n' ' ')"
  gone=$(LC_ALL=C comm -23 "$work/before.txt" "$work/after.txt")
  [ -z "$gone" ] || { echo "$gone" >&2; die "these files of other packages went missing"; }
  say "purged: none of its $(grep -c . "$work/files.txt") paths is left"
  exit 0
fi

# ---------------------------------------------------------------------------------------------------------------
# Part 1: find the package, assemble the clean root, run part 2 in its own namespaces, clean up.
if [ "$(id -u)" -ne 0 ]; then
  echo "test_deb: skipped: needs root (a chroot and a mount namespace); run it with sudo" >&2
  exit 77
fi
for tool in dpkg-deb dpkg-query apt-cache chroot unshare mount cp; do
  command -v "$tool" >/dev/null || die "$tool is missing (Debian: apt-get install dpkg apt util-linux coreutils)"
done
probe=$(mktemp -d)
mkdir "$probe/l" "$probe/u" "$probe/w" "$probe/m"
if ! unshare --mount --propagation private --net mount -t overlay overlay \
       -o "lowerdir=$probe/l,upperdir=$probe/u,workdir=$probe/w" "$probe/m" 2>/dev/null; then
  rm -rf "$probe"
  echo "test_deb: skipped: cannot mount an overlay in a mount namespace here (a container without CAP_SYS_ADMIN?)" >&2
  exit 77
fi
rm -rf "$probe"

deb=${1:-}
if [ -n "$deb" ] && [ -d "$deb" ]; then   # a build folder: package what it built
  (cd "$deb" && cpack -G DEB >cpack.log 2>&1) ||
    { cat "$deb/cpack.log" >&2; die "cpack failed in $deb (log above): build everything first"; }
  deb=$(sed -n 's/^CPack: - package: \(.*\.deb\) generated\.$/\1/p' "$deb/cpack.log")
  say "made $deb"
fi
if [ -z "$deb" ]; then
  deb=$(ls -t "$src"/build/llm-surgery_*_amd64.deb 2>/dev/null | head -n 1 || true)
  [ -n "$deb" ] || die "no build/llm-surgery_*_amd64.deb: make it with packaging/deb.sh, or name a .deb"
fi
[ -f "$deb" ] || die "$deb is not a file"
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")
out_dir=${2:-}
[ -z "$out_dir" ] || { mkdir -p "$out_dir" && out_dir=$(cd "$out_dir" && pwd); }
model=$src/tests/data/tiny-llama
[ -f "$model/tokenizer.model" ] || die "$model/tokenizer.model is missing (the tiny test model)"

start=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/var/tmp}/llm-surgery-test-deb.XXXXXX")
cleanup() {
  # The namespace's mounts died with it; only hard links and copies are removed here.
  if grep -qF " $work/" /proc/self/mounts; then
    echo "test_deb: $work is still mounted; not removing it" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
mkdir -p "$work/lower" "$work/rw" "$work/root" "$work/model"
cp "$deb" "$work/"
cp "$model/config.json" "$model/model.safetensors" "$model/tokenizer.model" "$work/model/"

# The packages: Debian's essential set (a minimal system) and the package's Depends and Pre-Depends. An
# alternative "a | b" takes the first one installed here, or an installed package that provides it.
installed_list=$(dpkg-query -W -f='${Package} ${Status}\n' | awk '$NF == "installed" {print $1}' | LC_ALL=C sort -u)
installed() { grep -qxF -e "$1" <<<"$installed_list"; }
provider() {   # an installed package providing the virtual package $1
  apt-cache showpkg "$1" 2>/dev/null | sed -n '/^Reverse Provides:/,$p' | tail -n +2 | awk '{print $1}' |
    while read -r p; do if installed "$p"; then echo "$p"; break; fi; done
}
roots=$(dpkg-query -W -f='${Package} ${Essential} ${Status}\n' | awk '$2 == "yes" && $5 == "installed" {print $1}')
depends=$(dpkg-deb --field "$deb" Pre-Depends Depends | sed -e 's/^[A-Za-z-]*: //' | tr ',' '\n')
while IFS= read -r item; do
  [ -n "${item// /}" ] || continue
  pick=""
  IFS='|' read -ra alts <<<"$item"
  for alt in "${alts[@]}"; do
    name=$(echo "$alt" | sed -e 's/(.*)//' -e 's/:any//' -e 's/ //g')
    if installed "$name"; then pick=$name; break; fi
    p=$(provider "$name")
    if [ -n "$p" ]; then pick=$p; break; fi
  done
  [ -n "$pick" ] || die "the package depends on \"$item\", which is not installed here: apt-get install it first"
  roots+=$'\n'$pick
done <<<"$depends"
# shellcheck disable=SC2086
packages=$(apt-cache depends --recurse --installed --no-recommends --no-suggests --no-conflicts --no-breaks \
             --no-replaces --no-enhances $roots 2>/dev/null | grep -v '^[ <]' | LC_ALL=C sort -u |
           LC_ALL=C comm -12 - <(echo "$installed_list"))
say "clean root: $(echo "$packages" | wc -l) packages (essential + what $(basename "$deb") depends on)"

# Their files. The top-level links of the merged /usr come first, so /lib/... lands in usr/lib/...
lower=$work/lower
for l in /bin /sbin /lib /lib32 /lib64 /libx32; do
  if [ -L "$l" ]; then
    target=$(readlink "$l")
    ln -s "$target" "$lower$l"
    mkdir -p "$lower/${target#/}"
  fi
done
mkdir -p "$lower"/{proc,sys,dev,tmp,root,etc,var/lib/dpkg/info,var/lib/dpkg/updates,var/lib/dpkg/triggers,var/log}
dirs=$work/dirs.txt files=$work/files.txt
: >"$dirs"
: >"$files"
# shellcheck disable=SC2086
dpkg-query -L $packages 2>/dev/null | grep '^/' | LC_ALL=C sort -u |
  while IFS= read -r f; do
    if [ -d "$f" ] && [ ! -L "$f" ]; then echo "$f" >>"$dirs"
    elif [ -e "$f" ] || [ -L "$f" ]; then echo "$f" >>"$files"   # docs and man pages may be excluded here
    fi
  done
sed "s|^|$lower|" "$dirs" | xargs -d '\n' mkdir -p --
if [ "$(stat -c %d /usr)" = "$(stat -c %d "$work")" ]; then link=-l; else link=-p; fi   # hard links, or copies
xargs -d '\n' cp -P $link --parents -t "$lower" -- <"$files"

# What their maintainer scripts would have made: the accounts, the alternatives links (highest priority among
# the choices present), the dynamic linker's cache.
[ -f "$lower/etc/passwd" ] || cp /usr/share/base-passwd/passwd.master "$lower/etc/passwd"
[ -f "$lower/etc/group" ] || cp /usr/share/base-passwd/group.master "$lower/etc/group"
mkdir -p "$lower/etc/alternatives" "$lower/var/lib/dpkg/alternatives"
for a in /var/lib/dpkg/alternatives/*; do
  name=$(basename "$a")
  # Records: master link; then per choice "path priority" with its slave paths (slaves: name/link pairs).
  awk -v root="$lower" -v name="$name" '
    NR == 1 { next }
    NR == 2 { master = $0; state = "slaves"; ns = 0; next }
    state == "slaves" {
      if ($0 == "") { state = "choice"; next }
      sname[ns] = $0; getline; slink[ns++] = $0; next
    }
    state == "choice" {
      if ($0 == "") exit
      path = $0; getline; prio = $0
      for (i = 0; i < ns; i++) { getline; spath[i] = $0 }
      if (system("test -e \"" root path "\"") == 0 && (best == "" || prio + 0 > bestprio + 0)) {
        best = path; bestprio = prio
        for (i = 0; i < ns; i++) bspath[i] = spath[i]
      }
    }
    END {
      if (best == "") exit
      print master "\t" name "\t" best
      for (i = 0; i < ns; i++)
        if (bspath[i] != "" && system("test -e \"" root bspath[i] "\"") == 0)
          print slink[i] "\t" sname[i] "\t" bspath[i]
    }' "$a"
done | while IFS=$'\t' read -r linkpath altname target; do
  ln -sfn "$target" "$lower/etc/alternatives/$altname"
  mkdir -p "$(dirname "$lower$linkpath")"
  [ -e "$lower$linkpath" ] || ln -sfn "/etc/alternatives/$altname" "$lower$linkpath"
done

# dpkg's database: exactly these packages, their file lists and maintainer scripts, their file triggers, and
# their diversions.
db=$lower/var/lib/dpkg
awk 'NR == FNR { keep[$1] = 1; next }
     /^Package: / { pkg = $2 }
     { stanza = stanza $0 "\n" }
     /^Status: / { status = $0 }
     /^$/ { if ((pkg in keep) && status ~ / installed$/) printf "%s", stanza; stanza = ""; pkg = ""; status = "" }' \
  <(echo "$packages") /var/lib/dpkg/status >"$db/status"
: >"$db/available"
# info/<package>[:<arch>].<what>: one listing, kept by package name.
(cd /var/lib/dpkg/info && ls) |
  awk 'NR == FNR { keep[$1] = 1; next } { p = $0; sub(/\.[^.]*$/, "", p); sub(/:.*$/, "", p); if (p in keep) print }' \
    <(echo "$packages") - | sed 's|^|/var/lib/dpkg/info/|' | xargs -d '\n' cp -p -t "$db/info/" --
: >"$db/triggers/Unincorp"
[ ! -f /var/lib/dpkg/info/format ] || cp /var/lib/dpkg/info/format "$db/info/"
awk 'NR == FNR { keep[$1] = 1; next } { p = $2; sub(/\/noawait$/, "", p); sub(/:.*$/, "", p); if (p in keep) print }' \
  <(echo "$packages") /var/lib/dpkg/triggers/File >"$db/triggers/File"
paste - - - </var/lib/dpkg/diversions |
  awk -F'\t' 'NR == FNR { keep[$1] = 1; next } ($3 in keep) { print $1; print $2; print $3 }' \
  <(echo "$packages") - >"$db/diversions"
chroot "$lower" /sbin/ldconfig
how=copies
[ "$link" = -p ] || how="hard links"
say "assembled in $(( $(date +%s) - start )) s ($(wc -l <"$files") files as $how)"

unshare --mount --propagation private --pid --net --fork --kill-child \
  "$here/test_deb.sh" --inside "$work" "$(basename "$deb")" "$out_dir"
say "passed in $(( $(date +%s) - start )) s"

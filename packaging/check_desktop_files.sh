#!/usr/bin/env bash
# CTest "desktop_files": the launcher entry, the AppStream metainfo and the MIME type pass their validators,
# and the metainfo's newest release is the version of project().
#   packaging/check_desktop_files.sh VERSION
set -euo pipefail
cd "$(dirname "$0")"
version=${1:?usage: $0 VERSION}
id=io.github.llm_surgery.LlmSurgery

for tool in desktop-file-validate appstreamcli update-mime-database; do
  command -v "$tool" >/dev/null ||
    { echo "check_desktop_files: $tool is missing: run packaging/install-deps.sh" >&2; exit 1; }
done

report=$(desktop-file-validate "$id.desktop" 2>&1) || true   # hints and warnings too are failures here
[ -z "$report" ] || { echo "$report" >&2; exit 1; }
appstreamcli validate --no-net "$id.metainfo.xml"

mime=$(mktemp -d)
trap 'rm -rf "$mime"' EXIT
mkdir "$mime/packages"
cp "$id.mime.xml" "$mime/packages/$id.xml"
update-mime-database "$mime" 2>/dev/null
grep -qx 'application/x-llm-surgery-project:\*\.llmsproj' "$mime/globs" ||
  { echo "check_desktop_files: $id.mime.xml does not map *.llmsproj to application/x-llm-surgery-project" >&2; exit 1; }

newest=$(sed -n '/<release version="/{s/.*<release version="\([^"]*\)".*/\1/p;q}' "$id.metainfo.xml")
if [ "$newest" != "$version" ]; then
  echo "check_desktop_files: the newest <release> in $id.metainfo.xml is \"$newest\" but project() says $version:" \
       "add <release version=\"$version\" date=\"YYYY-MM-DD\"/> at the top of <releases>" >&2
  exit 1
fi
echo "check_desktop_files: $id.desktop, $id.metainfo.xml and $id.mime.xml are valid; release $version"

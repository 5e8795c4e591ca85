#!/usr/bin/env bash
# Writes a man page (troff, gzip -9n) from a built program's --help texts, so the page never drifts from them.
#   packaging/make_man.sh cli PATH/llm-surgery-cli VERSION OUT.1.gz   # the command list + every command's --help
#   packaging/make_man.sh gui PATH/llm-surgery     VERSION OUT.1.gz   # the app's --help (run offscreen)
# Run by the build (packaging/CMakeLists.txt, target llms_man); help2man is not needed.
set -euo pipefail

if [ $# -ne 4 ] || { [ "$1" != cli ] && [ "$1" != gui ]; }; then
  echo "usage: $0 cli|gui PROGRAM VERSION OUT.1.gz" >&2
  exit 2
fi
kind=$1 exe=$2 version=$3 out=$4
[ -x "$exe" ] || { echo "make_man: $exe is not an executable: build it first" >&2; exit 1; }

# Text -> troff: backslashes, a dot or quote opening a line, and minus signs (so options copy as ASCII).
esc() { sed -e 's/\\/\\e/g' -e 's/^\([.'"'"']\)/\\\&\1/' -e 's/-/\\-/g'; }

# The program's --help text (standard output only), run under its installed name (a usage line shows argv[0],
# which must not be the build machine's path); a failure names the command (the page must not be half empty).
errors=$(mktemp)
help_of() {
  local name=$1 text
  shift
  if ! text=$(exec -a "$name" "$@" 2>"$errors"); then
    echo "make_man: '$*' failed:" >&2
    cat "$errors" >&2
    exit 1
  fi
  printf '%s\n' "$text"
}

page=$(mktemp)
trap 'rm -f "$page" "$errors"' EXIT

common_tail() {
  cat <<'EOF'
.SH ENVIRONMENT
.TP
.B LLMS_SPM_PLUGIN
The SentencePiece plugin to load (default: libllms_spm.so beside the program, then
\fI../lib/llm\-surgery/\fR relative to it: \fI/usr/lib/llm\-surgery/libllms_spm.so\fR in the package).
.TP
.B LLMS_WORLD_DATA
The world data the demo model and corpora are built from (default: \fI/usr/share/llm\-surgery/world\fR).
.TP
.B XDG_DATA_HOME
The demo model lives in \fI$XDG_DATA_HOME/llm\-surgery/demo\-model\fR (default \fI~/.local/share/...\fR).
.SH FILES
.TP
.I /usr/share/llm\-surgery/world/
Openly licensed world data; \fISOURCES.md\fR and \fIlicenses/\fR say where each file comes from.
.TP
.I /usr/share/llm\-surgery/demo/facts.jsonl
The demo fact set (forget, update and retain facts for the demo model).
EOF
}

if [ "$kind" = cli ]; then
  list=$(help_of llm-surgery-cli "$exe" --help)
  # "  name       summary" lines after "commands:".
  commands=$(printf '%s\n' "$list" | sed -n '/^commands:/,$p' | sed -n 's/^  \([a-z][a-z-]*\)  *\(.*\)$/\1/p')
  [ -n "$commands" ] || { echo "make_man: no commands in '$exe --help'" >&2; exit 1; }
  {
    printf '.TH LLM\\-SURGERY\\-CLI 1 "" "llm\\-surgery %s" "User Commands"\n' "$version"
    cat <<'EOF'
.SH NAME
llm\-surgery\-cli \- edit what a local language model knows, from the command line
.SH SYNOPSIS
.B llm\-surgery\-cli
.I command
[\fIoptions\fR]
.br
.B llm\-surgery\-cli
.I command
.B \-\-help
.br
.B llm\-surgery\-cli \-\-version
.SH DESCRIPTION
The headless front end of the LLM Surgery desktop application \fBllm\-surgery\fR(1): inspect a
Hugging Face model folder, build the demo corpus and model, make the model forget or update facts,
evaluate it, generate text and export the edited model. Every command prints its own help with
\fB\-\-help\fR; they are reproduced below. Errors go to standard error as one line saying what went
wrong and what to do; the exit status is 0 on success and non\-zero on an error.
.SH COMMANDS
EOF
    while IFS= read -r name; do
      summary=$(sed -n "/^  $name /{s/^  $name  *//p;q}" <<<"$list")
      printf '.TP\n.B %s\n' "$(printf '%s' "$name" | esc)"
      printf '%s\n' "$summary" | esc
    done <<<"$commands"
    while IFS= read -r name; do
      printf '.SH "%s"\n.nf\n' "$(printf '%s' "$name" | tr '[:lower:]' '[:upper:]' | esc)"
      help_of llm-surgery-cli "$exe" "$name" --help | esc
      echo ".fi"
    done <<<"$commands"
    common_tail
    printf '.SH "SEE ALSO"\n.BR llm\\-surgery (1)\n'
  } >"$page"
else
  text=$(QT_QPA_PLATFORM=offscreen help_of llm-surgery "$exe" --help)
  {
    printf '.TH LLM\\-SURGERY 1 "" "llm\\-surgery %s" "User Commands"\n' "$version"
    cat <<'EOF'
.SH NAME
llm\-surgery \- make a local language model forget or update facts (desktop application)
.SH SYNOPSIS
.B llm\-surgery
[\fIoptions\fR] [\fIPROJECT.llmsproj\fR | \fIMODEL_DIR\fR | \fIFACTS.jsonl\fR]
.SH DESCRIPTION
Open a Hugging Face model folder (the demo model, built from the shipped world data on first run,
when none is given), curate facts to forget, update and retain, probe the model before and after,
run the surgery with live plots of each loss term, and export the edited model.
The command\-line tool \fBllm\-surgery\-cli\fR(1) does the same without a window.
.SH OPTIONS
.nf
EOF
    printf '%s\n' "$text" | esc
    echo ".fi"
    common_tail
    printf '.SH "SEE ALSO"\n.BR llm\\-surgery\\-cli (1)\n'
  } >"$page"
fi

mkdir -p "$(dirname "$out")"
gzip -9n <"$page" >"$out.tmp"
mv "$out.tmp" "$out"

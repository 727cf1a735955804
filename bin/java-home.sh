# shellcheck shell=sh
# Sourced (not run) by ./mvnw, ./applc and .ci/run: the build needs JDK 25 or
# newer, but the machine's default `java` may be older and JAVA_HOME unset.
# Keeps a JAVA_HOME that is already a JDK 25+, else picks the newest JDK 25+
# under /usr/lib/jvm; exports JAVA_HOME and puts $JAVA_HOME/bin first in PATH.
# Plain POSIX sh, because mvnw sources it under `set -euf` (so: no globbing,
# no unset variables, and no command may fail outside a condition).

# Version of the JDK at $1, e.g. "25.0.3" ("" if unknown): from its `release`
# file when there is one (no JVM start), else from `bin/java -version`.
# The old "1.8.0_x" scheme comes out as "8.0_x".
_appl_jdk_version() {
  _appl_v=
  if [ -r "$1/release" ]; then
    _appl_v=$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$1/release" 2>/dev/null) || _appl_v=
  fi
  if [ -z "$_appl_v" ] && [ -x "$1/bin/java" ]; then
    _appl_v=$("$1/bin/java" -version 2>&1 | sed -n 's/.* version "\([^"]*\)".*/\1/p') || _appl_v=
  fi
  case "$_appl_v" in 1.*) _appl_v=${_appl_v#1.} ;; esac
  echo "$_appl_v"
}

# True if $1 is a JDK (java and javac: Maven compiles) of version 25 or newer.
_appl_jdk_ok() {
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 1
  _appl_m=$(_appl_jdk_version "$1")
  _appl_m=${_appl_m%%[!0-9]*}
  [ "${_appl_m:-0}" -ge 25 ]
}

_appl_home=
if [ -n "${JAVA_HOME-}" ] && _appl_jdk_ok "$JAVA_HOME"; then
  _appl_home=$JAVA_HOME
else
  # Newest first; `find` rather than a glob because the caller may have set -f.
  _appl_home=$(
    for _appl_d in $(find /usr/lib/jvm -mindepth 1 -maxdepth 1 2>/dev/null); do
      if _appl_jdk_ok "$_appl_d"; then
        printf '%s %s\n' "$(_appl_jdk_version "$_appl_d")" "$_appl_d"
      fi
    done | sort -V -r | sed -n '1s/^[^ ]* //p'
  ) || _appl_home=
fi

unset -f _appl_jdk_version _appl_jdk_ok
unset _appl_v _appl_m

if [ -z "$_appl_home" ]; then
  unset _appl_home
  echo "appl: needs a JDK 25 or newer; install one (e.g. apt-get install temurin-25-jdk or openjdk-25-jdk) or set JAVA_HOME" >&2
  # `return` when sourced (the normal case); `exit` if someone ran it directly.
  return 2 2>/dev/null || exit 2
fi

JAVA_HOME=$_appl_home
PATH=$JAVA_HOME/bin:$PATH
export JAVA_HOME PATH
unset _appl_home

# Shared by scripts/demo and scripts/test: check (and, as root on Debian, install) what Vigil needs.
# shellcheck shell=bash

# need_tool CMD DEBIAN_PACKAGE: the command must exist; nothing is installed for tools (JDK and Maven are the
# user's choice).
need_tool() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "missing: '$1' (Debian package: $2). Install it, then run this again." >&2
    exit 69
  fi
}

# need_packages PKG...: Debian packages the run needs; installed with apt-get when run as root, else named.
need_packages() {
  local missing=()
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian packages: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "missing Debian packages: ${missing[*]}. Install them (sudo apt-get install ${missing[*]}) or run" \
      "this as root, then run this again." >&2
    exit 69
  fi
}

check_java() {
  need_tool java openjdk-17-jdk-headless
  need_tool mvn maven
  local v
  v=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  if [ "${v%%.*}" -lt 17 ] 2>/dev/null; then
    echo "Java 17 or newer is needed, found $v" >&2
    exit 69
  fi
}

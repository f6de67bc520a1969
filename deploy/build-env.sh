# Sourced by examples/run.sh and tests/run.sh, from the repository root:
#   sdx_prepare SCRIPT [test] -- ARGS...
# Installs the missing Debian packages (deploy/install-deps.sh: apt-get as
# root, `sudo apt-get` as a user with sudo, else it says what to run), and
# makes sure the build belongs to whoever owns the checkout:
# - started with sudo on a user's checkout, it installs the packages as root,
#   then runs SCRIPT again as that user (a root-owned build/ would make the
#   user's next run fail with "Permission denied");
# - build directories left behind by such a root run are named, with the
#   command that removes them.

sdx_prepare() {
  local script=$1 deps=()
  shift
  [ "${1:-}" = test ] && deps=(test) && shift
  [ "${1:-}" = -- ] && shift
  if [ "$(id -u)" -eq 0 ] && [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ] &&
     [ "$(stat -c %U .)" = "$SUDO_USER" ]; then
    deploy/install-deps.sh "${deps[@]}"
    echo "this checkout belongs to $SUDO_USER: building as $SUDO_USER, not as root" \
         "(next time, run it without sudo; it uses sudo only for apt-get)" >&2
    exec sudo -u "$SUDO_USER" -- "$script" "$@"
  fi
  deploy/install-deps.sh "${deps[@]}"
  if [ "$(id -u)" -ne 0 ]; then
    local dir foreign=()
    for dir in build build-asan; do
      [ -e "$dir" ] && [ -n "$(find "$dir" ! -user "$(id -u)" -print -quit)" ] && foreign+=("$dir")
    done
    if [ ${#foreign[@]} -gt 0 ]; then
      echo "${foreign[*]} holds files of another user (an earlier run with sudo?)." >&2
      echo "remove it, then run this again: sudo rm -rf ${foreign[*]}" >&2
      exit 1
    fi
  fi
}

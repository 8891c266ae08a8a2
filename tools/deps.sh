#!/bin/sh
# Makes sure the libraries splitbrain builds against are present.
# Usage: tools/deps.sh [build|test]
#   build: pkg-config, ncursesw, libuv, inih (the config file's INI reader)
#   test:  the above, plus cmocka, clang-format, tmux (the sandbox tests),
#          python3 (checking asciicast, ShiViz, SVG and JSON Lines output) and
#          clang (CI builds and tests with clang as well as gcc)
# Missing ones are installed with apt-get (through sudo when not root); where
# that is impossible, the one exact apt-get line to run is printed instead.
set -u
what=${1:-build}

pkgs=""
need_pc() { # $1 pkg-config name, $2 Debian package
    if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists "$1" 2>/dev/null; then
        pkgs="$pkgs $2"
    fi
}
command -v pkg-config >/dev/null 2>&1 || pkgs="$pkgs pkg-config"
command -v cc >/dev/null 2>&1 || pkgs="$pkgs build-essential"
need_pc ncursesw libncurses-dev
need_pc libuv libuv1-dev
need_pc inih libinih-dev
if [ "$what" = test ]; then
    need_pc cmocka libcmocka-dev
    command -v clang-format >/dev/null 2>&1 || pkgs="$pkgs clang-format"
    command -v tmux >/dev/null 2>&1 || pkgs="$pkgs tmux"
    command -v python3 >/dev/null 2>&1 || pkgs="$pkgs python3"
    command -v clang >/dev/null 2>&1 || pkgs="$pkgs clang"
fi
[ -z "$pkgs" ] && exit 0

line="apt-get install -y$pkgs"
echo "splitbrain: missing:$pkgs" >&2
if ! command -v apt-get >/dev/null 2>&1; then
    echo "splitbrain: install them with your package manager (on Debian: $line)" >&2
    exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
else
    echo "splitbrain: run as root: $line" >&2
    exit 1
fi
echo "splitbrain: installing with: $sudo $line" >&2
if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $pkgs; } >&2; then
    echo "splitbrain: the install failed; run it yourself: ${sudo:+sudo }$line" >&2
    exit 1
fi

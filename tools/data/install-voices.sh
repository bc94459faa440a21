#!/usr/bin/env bash
# Installs the speech synthesizers the keyword-corpus generator uses: espeak-ng (Debian main) and the
# MBROLA diphone synthesizer with its English-capable voices (Debian contrib/non-free).
#
# MBROLA lives in contrib/non-free, which this machine's apt sources do not enable. Instead of editing
# /etc/apt, we point apt at a scratch sources list (same mirror, components main contrib non-free) and
# a scratch package-list cache, so the system configuration is left exactly as it was. The .debs are
# installed into the normal system (dpkg), like any other package.
#
# Usage: bash tools/data/install-voices.sh [--no-mbrola] [--other-synths]
#   --no-mbrola     espeak-ng only (all that the tests need)
#   --other-synths  also installs flite, festival + festvox voices and SVOX Pico (pico2wave, non-free),
#                   used ONLY by other-synth.ts for the held-out check set (never for training).
set -euo pipefail

mbrola=1 other=0
for arg in "$@"; do
  case "$arg" in
    --no-mbrola) mbrola=0 ;;
    --other-synths) other=1 ;;
    *) echo "install-voices.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

# MBROLA voices: the native English ones, plus the diphone sets that espeak-ng's mb-*-en voices use
# to speak English with another language's diphones (different speakers, different recordings).
MBROLA_VOICES=(mbrola-us1 mbrola-us2 mbrola-us3 mbrola-en1
  mbrola-de1 mbrola-de2 mbrola-de3 mbrola-de4 mbrola-de5 mbrola-de6 mbrola-gr2 mbrola-ro1
  mbrola-nl2 mbrola-fr1 mbrola-fr4 mbrola-hu1 mbrola-sw1 mbrola-sw2 mbrola-af1 mbrola-pl1)
OTHER_SYNTHS=(flite festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts)
OTHER_SYNTHS_NONFREE=(libttspico-utils)

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq espeak-ng
if [ "$other" = 1 ]; then apt-get install -y -qq "${OTHER_SYNTHS[@]}"; fi
[ "$mbrola" = 1 ] || [ "$other" = 1 ] || exit 0

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/lists/partial"
# Same mirror and suite as the system's main source, with contrib and non-free added.
uri="$(grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -m1 'debian$' || true)"
uri="${uri:-http://deb.debian.org/debian}"
suite="$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $suite main contrib non-free" > "$scratch/sources.list"
APT_OPTS=(-o "Dir::Etc::sourcelist=$scratch/sources.list" -o "Dir::Etc::sourceparts=/nonexistent" -o "Dir::State::Lists=$scratch/lists")
apt-get "${APT_OPTS[@]}" update -qq
# Voices that this Debian release lacks are skipped instead of failing the whole install.
wanted=()
[ "$mbrola" = 1 ] && wanted+=(mbrola "${MBROLA_VOICES[@]}")
[ "$other" = 1 ] && wanted+=("${OTHER_SYNTHS_NONFREE[@]}")
available=()
for pkg in "${wanted[@]}"; do
  if apt-cache "${APT_OPTS[@]}" show "$pkg" >/dev/null 2>&1; then available+=("$pkg"); else echo "install-voices.sh: $pkg not in $suite, skipped" >&2; fi
done
apt-get "${APT_OPTS[@]}" install -y -qq --no-install-recommends "${available[@]}"
echo "installed: espeak-ng ${available[*]}"

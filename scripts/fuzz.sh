#!/usr/bin/env bash
# Fuzzes the image loader (structure walk, ImageSharp decoders, orientation, PIL resize) with AFL++ and SharpFuzz.
# See docs/fuzzing.md. Usage:
#   scripts/fuzz.sh [SECONDS]     build, instrument, seed and run afl-fuzz (for SECONDS, or until Ctrl-C);
#                                 a second run resumes the same findings folder
#   scripts/fuzz.sh --replay FILE...   run inputs once through the uninstrumented target and say what happened
# Needs afl++ (Debian: apt-get install afl++). Output: artifacts/fuzz/findings/default/{crashes,hangs,queue}.
# Environment: AFL_TIMEOUT_MS (afl-fuzz hang limit, default 10000), FUZZ_DECODE_TIMEOUT_MS (the loader's
# DecodeTimeout in the target, default 5000; a decode past it is reported as a crash), AFL_NO_UI=1 for plain logs.
set -euo pipefail
cd "$(dirname "$0")/.."
out=artifacts/fuzz

if [ "${1:-}" = "--replay" ]; then
  shift
  dotnet build fuzz/BlipCaptioning.Fuzz -c Release -v quiet -nologo >/dev/null
  exec dotnet fuzz/BlipCaptioning.Fuzz/bin/Release/net10.0/BlipCaptioning.Fuzz.dll replay "$@"
fi

if ! command -v afl-fuzz >/dev/null; then
  echo "afl-fuzz is not installed: apt-get install afl++ (Debian/Ubuntu), then run this again." >&2
  exit 3
fi

echo "Publishing the fuzz target..."
rm -rf "$out/bin"
dotnet publish fuzz/BlipCaptioning.Fuzz -c Release -o "$out/bin" -v quiet -nologo >/dev/null

if [ ! -x "$out/tools/sharpfuzz" ]; then
  dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$out/tools" >/dev/null
fi

# Seeds first: instrumented code only runs under afl-fuzz.
input="$out/seeds"
if [ -d "$out/findings/default/queue" ]; then
  input=-   # resume
else
  rm -rf "$out/seeds"
  dotnet "$out/bin/BlipCaptioning.Fuzz.dll" seeds "$out/seeds"
  # The committed fixtures small enough for AFL (it prefers seeds of a few KB).
  find tests/fixtures/pil-reference -type f \( -name '*.png' -o -name '*.jpg' -o -name '*.gif' -o -name '*.bmp' -o -name '*.webp' -o -name '*.tiff' \) -size -4k \
    -exec sh -c 'cp "$1" "$2/fixture-$(basename "$1")"' _ {} "$out/seeds" \;
fi

echo "Instrumenting ImageSharp and BlipCaptioning..."
"$out/tools/sharpfuzz" "$out/bin/SixLabors.ImageSharp.dll"
"$out/tools/sharpfuzz" "$out/bin/BlipCaptioning.dll"

duration=()
if [ -n "${1:-}" ]; then
  duration=(-V "$1")
fi

# Plain .NET binaries carry no AFL marker, core dumps and CPU governors are the machine's business, and other
# work shares the cores: do not bind to one.
export AFL_SKIP_BIN_CHECK=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1
export AFL_NO_UI="${AFL_NO_UI:-}"
exec afl-fuzz -i "$input" -o "$out/findings" -t "${AFL_TIMEOUT_MS:-10000}" -m none "${duration[@]}" -- dotnet "$out/bin/BlipCaptioning.Fuzz.dll"
